package dev.embsum.ranker;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.serde.SingleObjectCodec;
import java.util.List;
import java.util.Set;

/**
 * What a ranker does, as a program for {@link RuntimeClasspathIT} to start on the module's runtime
 * classpath alone: records through their wire form (as read from Kafka), then {@link
 * Recommender#top}. Prints the ranked item ids, best first, then the scorer's kernel.
 */
public final class RankFromWireBytes {

    private RankFromWireBytes() {}

    public static void main(String[] args) {
        UserEmbedding user = TestEmbeddings.user(PolyEmbedding.of(1, 2, new float[] {1, 0}));
        SingleObjectCodec<UserEmbedding> users = SingleObjectCodec.forClass(UserEmbedding.class);
        SingleObjectCodec<ContentEmbedding> items =
                SingleObjectCodec.forClass(ContentEmbedding.class);
        // score = A·B when there is one vector each, so "N-near" (along A) beats "N-far"
        List<ContentEmbedding> catalogue =
                List.of(
                        items.decode(items.encode(item("N-far", -1))),
                        items.decode(items.encode(item("N-near", 1))));
        for (Recommender.Scored s :
                Recommender.top(users.decode(users.encode(user)), catalogue, Set.of(), 2)) {
            System.out.println(s.itemId());
        }
        System.out.println("kernel " + PolyScorer.kernel());
    }

    private static ContentEmbedding item(String id, float x) {
        PolyEmbedding cpe = PolyEmbedding.of(1, 2, new float[] {x, 0});
        return TestEmbeddings.item(id, cpe, cpe);
    }
}
