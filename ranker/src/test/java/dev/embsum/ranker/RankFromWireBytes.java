package dev.embsum.ranker;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.serde.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.time.Instant;
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
        PolyEmbedding upe = PolyEmbedding.of(1, 2, new float[] {1, 0});
        UserEmbedding user =
                UserEmbedding.newBuilder()
                        .setUserId("U1")
                        .setModelVersion("v1")
                        .setHistoryVersion(1)
                        .setM(1)
                        .setD(2)
                        .setUpe(ByteBuffer.wrap(upe.toLittleEndian()))
                        .setSummary(null)
                        .setHistoryItemIds(List.of())
                        .setLastEventTime(Instant.EPOCH)
                        .setComputedAt(Instant.EPOCH)
                        .build();
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
        ByteBuffer cpe =
                ByteBuffer.wrap(PolyEmbedding.of(1, 2, new float[] {x, 0}).toLittleEndian());
        return ContentEmbedding.newBuilder()
                .setItemId(id)
                .setModelVersion("v1")
                .setN(1)
                .setD(2)
                .setCpe(cpe)
                .setCpeKey(cpe.duplicate())
                .build();
    }
}
