package dev.embsum.ranker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.UserEmbedding;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Recommender from the published records: the scorer's ranking, by item id. */
class RecommenderTest {

    private static final int M = 3;
    private static final int N = 2;
    private static final int D = 5;

    @Test
    void ranksLikeTheScorerLeavingOutExcludedItemsAndOtherDimensions() {
        Random random = new Random(7);
        UserEmbedding user = TestEmbeddings.user(PolyEmbedding.of(M, D, gaussian(random, M * D)));
        List<ContentEmbedding> items = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            items.add(item("N" + i, random, D));
        }
        items.add(item("N-other-model", random, D + 1));
        Set<String> exclude = Set.of("N3", "N7");

        List<Recommender.Scored> top = Recommender.top(user, items, exclude, 4);

        List<ContentEmbedding> kept =
                items.stream()
                        .filter(i -> !exclude.contains(i.getItemId()) && i.getD() == D)
                        .toList();
        List<ContentVectors> vectors =
                kept.stream()
                        .map(
                                i ->
                                        ContentVectors.fromLittleEndian(
                                                i.getCpe(), i.getCpeKey(), i.getN(), i.getD()))
                        .toList();
        List<Recommender.Scored> expected =
                PolyScorer.topK(PolyEmbedding.fromLittleEndian(user.getUpe(), M, D), vectors, 4)
                        .stream()
                        .map(
                                s ->
                                        new Recommender.Scored(
                                                kept.get(s.index()).getItemId(), s.score()))
                        .toList();
        assertThat(top).hasSize(4).isEqualTo(expected);
        assertThat(top)
                .extracting(Recommender.Scored::itemId)
                .doesNotContain("N3", "N7", "N-other-model");
    }

    private static ContentEmbedding item(String id, Random random, int d) {
        return TestEmbeddings.item(
                id,
                PolyEmbedding.of(N, d, gaussian(random, N * d)),
                PolyEmbedding.of(N, d, gaussian(random, N * d)));
    }

    private static float[] gaussian(Random random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
