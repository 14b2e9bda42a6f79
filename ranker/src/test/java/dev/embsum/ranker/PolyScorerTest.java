package dev.embsum.ranker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The scorer against {@link ReferenceScorer} on seeded random inputs of many shapes, with each
 * kernel (the build runs the tests with {@code jdk.incubator.vector}, so both can run).
 */
class PolyScorerTest {

    /**
     * Shapes at the edges of the kernels' blocks (4 user rows for the scalar kernel; 8 and 32 user
     * rows and 4 item rows for the vector one with AVX-512), and the model's real ones.
     */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {1, 1, 7}, {2, 1, 1}, {3, 2, 5}, {4, 1, 1}, {5, 3, 2}, {7, 4, 33},
        {8, 2, 64}, {32, 4, 1}, {32, 4, 32}, {32, 4, 128}, {32, 4, 512}, {33, 5, 17}, {1, 4, 512},
    };

    @ParameterizedTest
    @EnumSource(PolyScorer.Kernel.class)
    void matchesTheDoubleReferenceOnFixedShapes(PolyScorer.Kernel kernel) {
        Random random = new Random(42);
        for (int[] shape : SHAPES) {
            for (double scale : new double[] {0.05, 0.5, 2.0}) {
                assertMatchesReference(kernel, random, shape[0], shape[1], shape[2], scale);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(PolyScorer.Kernel.class)
    void matchesTheDoubleReferenceOnRandomShapes(PolyScorer.Kernel kernel) {
        Random random = new Random(20240601);
        for (int trial = 0; trial < 300; trial++) {
            int m = 1 + random.nextInt(40);
            int n = 1 + random.nextInt(6);
            int d = 1 + random.nextInt(random.nextBoolean() ? 8 : 300);
            assertMatchesReference(kernel, random, m, n, d, 0.01 + 2 * random.nextDouble());
        }
    }

    private static void assertMatchesReference(
            PolyScorer.Kernel kernel, Random random, int m, int n, int d, double scale) {
        float[][] a = gaussian(random, m, d, scale);
        float[][] b = gaussian(random, n, d, scale);
        float[][] kc = gaussian(random, n, d, scale);
        double reference = ReferenceScorer.score(a, b, kc);
        float score =
                PolyScorer.score(
                        ReferenceScorer.embedding(a),
                        new ContentVectors(
                                ReferenceScorer.embedding(b), ReferenceScorer.embedding(kc)),
                        kernel);
        assertThat(Math.abs(score - reference))
                .as("m=%d n=%d d=%d scale=%s: %s vs reference %s", m, n, d, scale, score, reference)
                .isLessThanOrEqualTo(ReferenceScorer.tolerance(reference));
    }

    /** The model's shape at its largest d, over as many items as a real request scores. */
    @Test
    void kernelsAgreeOnARequestOfManyItems() {
        Random random = new Random(77);
        for (double scale : new double[] {0.5, 2.0}) {
            PolyEmbedding user = ReferenceScorer.embedding(gaussian(random, 32, 512, scale));
            List<ContentVectors> items = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                items.add(item(random, 4, 512, scale));
            }
            float[] scalar = PolyScorer.scoreAll(user, items, PolyScorer.Kernel.SCALAR);
            float[] vector = PolyScorer.scoreAll(user, items, PolyScorer.Kernel.VECTOR);
            for (int i = 0; i < items.size(); i++) {
                assertThat((double) Math.abs(vector[i] - scalar[i]))
                        .as(
                                "scale %s, item %d: vector %s, scalar %s",
                                scale, i, vector[i], scalar[i])
                        .isLessThanOrEqualTo(ReferenceScorer.tolerance(scalar[i]));
            }
        }
    }

    /**
     * The build adds jdk.incubator.vector to the tests' JVM, so the public methods use the vector
     * kernel (RuntimeClasspathIT checks the scalar one serves a JVM without the module).
     */
    @Test
    void theVectorKernelIsChosenWhereItsModuleIsPresent() {
        assertThat(ModuleLayer.boot().findModule("jdk.incubator.vector")).isPresent();
        assumeTrue(VectorPairScorer.lanes() >= 4, "a CPU with 4 or more double lanes");
        assertThat(PolyScorer.kernel()).isEqualTo(PolyScorer.Kernel.VECTOR);
        Random random = new Random(8);
        PolyEmbedding user = ReferenceScorer.embedding(gaussian(random, 32, 128, 0.5));
        List<ContentVectors> items = List.of(item(random, 4, 128, 0.5), item(random, 4, 128, 0.5));
        assertThat(PolyScorer.scoreAll(user, items))
                .containsExactly(PolyScorer.scoreAll(user, items, PolyScorer.Kernel.VECTOR));
    }

    @ParameterizedTest
    @EnumSource(PolyScorer.Kernel.class)
    void softmaxIsStableForHugeLogits(PolyScorer.Kernel kernel) {
        // m=1, n=2, d=1: K = [100, 200]; the logits are +-1000 and +-1100, so exp() without
        // subtracting the maximum overflows to infinity or underflows to 0, giving NaN.
        PolyEmbedding user = PolyEmbedding.of(1, 1, new float[] {100});
        PolyEmbedding cpe = PolyEmbedding.of(2, 1, new float[] {1, 2});
        assertThat(
                        PolyScorer.score(
                                user,
                                new ContentVectors(
                                        cpe, PolyEmbedding.of(2, 1, new float[] {10, 11})),
                                kernel))
                .isEqualTo(200f);
        assertThat(
                        PolyScorer.score(
                                user,
                                new ContentVectors(
                                        cpe, PolyEmbedding.of(2, 1, new float[] {-10, -11})),
                                kernel))
                .isEqualTo(100f);
        // Equal logits: the plain mean of K.
        assertThat(
                        PolyScorer.score(
                                user,
                                new ContentVectors(
                                        cpe, PolyEmbedding.of(2, 1, new float[] {1e30f, 1e30f})),
                                kernel))
                .isEqualTo(150f);
    }

    @ParameterizedTest
    @EnumSource(PolyScorer.Kernel.class)
    void scoreAllEqualsScoreForEveryItemAndMixedItemRows(PolyScorer.Kernel kernel) {
        Random random = new Random(3);
        PolyEmbedding user = ReferenceScorer.embedding(gaussian(random, 9, 40, 0.5));
        List<ContentVectors> items = new LinkedList<>();
        for (int i = 0; i < 25; i++) {
            items.add(item(random, 1 + i % 5, 40, 0.5));
        }
        float[] all = PolyScorer.scoreAll(user, items, kernel);
        assertThat(all).hasSize(25);
        for (int i = 0; i < items.size(); i++) {
            assertThat(all[i]).isEqualTo(PolyScorer.score(user, items.get(i), kernel));
        }
        assertThat(PolyScorer.scoreAll(user, List.of(), kernel)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(PolyScorer.Kernel.class)
    void topKEqualsAFullSort(PolyScorer.Kernel kernel) {
        Random random = new Random(11);
        PolyEmbedding user = ReferenceScorer.embedding(gaussian(random, 32, 16, 0.5));
        List<ContentVectors> items = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            items.add(item(random, 4, 16, 0.5));
        }
        float[] scores = PolyScorer.scoreAll(user, items, kernel);
        for (int k : new int[] {1, 2, 7, 100, 199, 200, 201, 10_000}) {
            assertThat(PolyScorer.topK(user, items, k, kernel))
                    .as("k=%d", k)
                    .containsExactlyElementsOf(ReferenceScorer.rankBySort(scores, k));
        }
    }

    @ParameterizedTest
    @EnumSource(PolyScorer.Kernel.class)
    void topKBreaksTiesByIndex(PolyScorer.Kernel kernel) {
        Random random = new Random(5);
        PolyEmbedding user = ReferenceScorer.embedding(gaussian(random, 4, 8, 0.5));
        List<ContentVectors> distinct = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            distinct.add(item(random, 2, 8, 0.5));
        }
        // Each item four times, shuffled: every score appears at four indices.
        List<ContentVectors> items = new ArrayList<>();
        for (int copy = 0; copy < 4; copy++) {
            items.addAll(distinct);
        }
        Collections.shuffle(items, random);
        float[] scores = PolyScorer.scoreAll(user, items, kernel);
        for (int k = 1; k <= items.size(); k++) {
            List<ScoredItem> top = PolyScorer.topK(user, items, k, kernel);
            assertThat(top)
                    .as("k=%d", k)
                    .containsExactlyElementsOf(ReferenceScorer.rankBySort(scores, k));
        }
        assertThat(PolyScorer.topK(user, items, 3, kernel))
                .extracting(ScoredItem::score)
                .containsOnly(PolyScorer.topK(user, items, 1, kernel).get(0).score());
    }

    @Test
    void topKOfNoItemsIsEmptyAndKMustBePositive() {
        PolyEmbedding user = PolyEmbedding.of(1, 1, new float[] {1});
        assertThat(PolyScorer.topK(user, List.of(), 5)).isEmpty();
        assertThatThrownBy(() -> PolyScorer.topK(user, List.of(), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k must be at least 1, got 0");
    }

    @Test
    void dimensionMismatchNamesBothShapes() {
        Random random = new Random(1);
        PolyEmbedding user = ReferenceScorer.embedding(gaussian(random, 32, 128, 1));
        ContentVectors good = item(random, 4, 128, 1);
        ContentVectors bad = item(random, 4, 64, 1);
        assertThatThrownBy(() -> PolyScorer.score(user, bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[32 x 128] (d=128)")
                .hasMessageContaining("[4 x 64] (d=64)");
        List<ContentVectors> items = List.of(good, good, bad);
        assertThatThrownBy(() -> PolyScorer.scoreAll(user, items))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("item 2's")
                .hasMessageContaining("d=64");
        assertThatThrownBy(() -> PolyScorer.topK(user, items, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("item 2's");
    }

    @Test
    void concurrentCallersGetTheSerialResults() throws Exception {
        Random random = new Random(9);
        List<PolyEmbedding> users = new ArrayList<>();
        for (int u = 0; u < 8; u++) {
            users.add(ReferenceScorer.embedding(gaussian(random, 32, 64, 0.5)));
        }
        List<ContentVectors> items = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            items.add(item(random, 4, 64, 0.5));
        }
        List<float[]> serial = new ArrayList<>();
        for (PolyEmbedding user : users) {
            serial.add(PolyScorer.scoreAll(user, items));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (PolyEmbedding user : users) {
                    futures.add(pool.submit(() -> PolyScorer.scoreAll(user, items)));
                }
            }
            for (int f = 0; f < futures.size(); f++) {
                assertThat(futures.get(f).get()).containsExactly(serial.get(f % users.size()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static ContentVectors item(Random random, int n, int d, double scale) {
        return new ContentVectors(
                ReferenceScorer.embedding(gaussian(random, n, d, scale)),
                ReferenceScorer.embedding(gaussian(random, n, d, scale)));
    }

    private static float[][] gaussian(Random random, int rows, int dim, double scale) {
        float[][] out = new float[rows][dim];
        for (float[] row : out) {
            for (int i = 0; i < dim; i++) {
                row[i] = (float) (random.nextGaussian() * scale);
            }
        }
        return out;
    }
}
