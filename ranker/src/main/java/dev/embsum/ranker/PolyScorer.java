package dev.embsum.ranker;

import dev.embsum.annotation.PublicEvolving;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * EmbSum's user-item score (docs/model-bundle.md section 5), for rankers: with A the user
 * poly-embedding ({@code m x d}), B the item's cpe and Kc its cpe_key ({@code n x d} each),
 *
 * <pre>
 * K[a,c] = A[a]·B[c]
 * W      = softmax over all m*n entries of A[a]·Kc[c]
 * score  = sum_{a,c} W[a,c] * K[a,c]
 * </pre>
 *
 * <p><b>Accuracy.</b> The reference ({@code score_all} in model-export's runtime.py) computes in
 * float64 from the float32 inputs, then rounds the score to float32. This class does the same:
 * every dot product accumulates in double, the softmax subtracts the largest logit before {@code
 * exp} (so no logit overflows, and the normaliser is at least 1) and runs in double, and only the
 * final score is rounded to float. The result is within one float32 rounding of the reference, far
 * inside the tested tolerance {@code 1e-5 + 1e-6 * |score|}. Float accumulators would not be (a
 * float variant of the scalar kernel was off by up to 5.4e-5 per score at d=512), which is why even
 * the vector kernel computes in double lanes, at half the multiply-adds per instruction of float
 * lanes.
 *
 * <p><b>Kernels.</b> A pair costs {@code 2 m n d} multiply-adds (K and the logits), 32,768 at m=32,
 * n=4, d=128, and {@code m n} calls to {@code exp}. Two {@link Kernel kernels} compute them; both
 * accumulate each dot product over d in order with {@code fma} of the product of two floats, which
 * is exact in double, so they give the same dot products to the bit; their softmaxes differ in
 * double rounding only.
 *
 * <ul>
 *   <li>{@link Kernel#SCALAR}: plain Java, 4 user rows against one content row and its key per pass
 *       over d (8 independent accumulators). JDK 17's C2 does not vectorize it, so it is bound by
 *       the scalar FMA peak.
 *   <li>{@link Kernel#VECTOR}: JDK 17's incubating Vector API ({@code jdk.incubator.vector}), on
 *       the CPU's widest double vectors: a transposed double copy of the user, made once per call,
 *       against 4 item rows at a time (16 vector accumulators), a vectorized softmax, and the next
 *       item's vectors fetched from memory during this one's softmax. It is used where the JVM runs
 *       with {@code --add-modules jdk.incubator.vector} (which then prints a warning that it uses
 *       an incubator module) on a CPU with at least 4 double lanes (AVX2, AVX-512). Without the
 *       option, the default, the scalar kernel scores: a ranker needs no flag and no code change.
 * </ul>
 *
 * <p>Measured with JMH on one Zen 5 core (AVX-512, two 512-bit FMA units) against requests of
 * 10,000 candidates: the vector kernel scores 5.5 (d=128) and 6.5 (d=512) times as many pairs per
 * second as the scalar one, at 56% and 75% of the core's double-lane vector FMA peak (the scalar
 * kernel: 73% and 82% of the scalar peak, 10% and 11% of the vector one). On one item already in
 * cache its dot products run at about the vector peak; the rest is waiting for the candidates'
 * vectors (40 MB at d=128, 160 MB at d=512) to come from main memory and, at d=128, the softmax.
 * See docs/benchmarks/inference-runtime.md.
 *
 * <p>Stateless and thread-safe: every call works on its own scratch arrays.
 */
@PublicEvolving
public final class PolyScorer {

    /**
     * How the scores are computed. Both kernels give the same dot products to the bit; their
     * softmaxes differ in double rounding only (another {@code exp}, another order of summation),
     * far inside the tolerance.
     */
    public enum Kernel {
        /** Plain Java, one double accumulator per dot product: any JVM. */
        SCALAR {
            @Override
            PairScorer forUser(PolyEmbedding user, int maxItemRows) {
                return new ScalarPairScorer(user, maxItemRows);
            }
        },
        /**
         * Double vectors of the Vector API ({@code jdk.incubator.vector}): where the JVM runs with
         * {@code --add-modules jdk.incubator.vector} on a CPU with 4 or more double lanes (AVX2,
         * AVX-512).
         */
        VECTOR {
            @Override
            PairScorer forUser(PolyEmbedding user, int maxItemRows) {
                return new VectorPairScorer(user, maxItemRows);
            }
        };

        abstract PairScorer forUser(PolyEmbedding user, int maxItemRows);
    }

    /**
     * The vector kernel was measured faster than the scalar one with 8 double lanes (AVX-512) and 4
     * (AVX2, {@code -XX:UseAVX=2}), never with fewer (SSE, NEON).
     */
    private static final int MIN_VECTOR_LANES = 4;

    private static final Kernel KERNEL = detectKernel();

    private PolyScorer() {}

    /** The kernel this JVM scores with, chosen once: {@link Kernel#VECTOR} where it can run. */
    public static Kernel kernel() {
        return KERNEL;
    }

    private static Kernel detectKernel() {
        try {
            return VectorPairScorer.lanes() >= MIN_VECTOR_LANES ? Kernel.VECTOR : Kernel.SCALAR;
        } catch (LinkageError moduleNotResolved) {
            // NoClassDefFoundError for jdk.incubator.vector's classes: the JVM was started
            // without --add-modules jdk.incubator.vector, as it is by default.
            return Kernel.SCALAR;
        }
    }

    /**
     * The score of one user-item pair.
     *
     * @throws IllegalArgumentException if the user's and the item's {@code d} differ
     */
    public static float score(PolyEmbedding user, ContentVectors item) {
        return score(user, item, KERNEL);
    }

    /** {@link #score(PolyEmbedding, ContentVectors)} with the given kernel, for tests. */
    static float score(PolyEmbedding user, ContentVectors item, Kernel kernel) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(item, "item");
        requireSameDim(user, item, -1);
        return kernel.forUser(user, item.rows()).score(item, null);
    }

    /**
     * The scores of one user against every item, in item order. Cheaper per item than {@link
     * #score} item by item: what the kernel prepares from the user (the vector kernel's transposed
     * copy) is made once per call, and the vector kernel fetches each item while it scores the one
     * before.
     *
     * @throws IllegalArgumentException if an item's {@code d} differs from the user's (the message
     *     gives the item's index)
     */
    public static float[] scoreAll(PolyEmbedding user, List<ContentVectors> items) {
        return scoreAll(user, items, KERNEL);
    }

    /** {@link #scoreAll(PolyEmbedding, List)} with the given kernel, for tests. */
    static float[] scoreAll(PolyEmbedding user, List<ContentVectors> items, Kernel kernel) {
        Objects.requireNonNull(user, "user");
        PairScorer scorer = kernel.forUser(user, checkItems(user, items));
        float[] scores = new float[items.size()];
        scoreInOrder(scorer, items, (i, score) -> scores[i] = score);
        return scores;
    }

    /**
     * The {@code k} best items for one user, as an unmodifiable list of at most {@code k} entries,
     * best first; equal scores are ordered by index (the earlier item first). Score order is that
     * of {@link Float#compare}. Keeps only {@code k} entries while scoring, so memory does not grow
     * with the number of items; scores as {@link #scoreAll} does.
     *
     * @throws IllegalArgumentException if {@code k < 1}, or if an item's {@code d} differs from the
     *     user's (the message gives the item's index)
     */
    public static List<ScoredItem> topK(PolyEmbedding user, List<ContentVectors> items, int k) {
        return topK(user, items, k, KERNEL);
    }

    /** {@link #topK(PolyEmbedding, List, int)} with the given kernel, for tests. */
    static List<ScoredItem> topK(
            PolyEmbedding user, List<ContentVectors> items, int k, Kernel kernel) {
        Objects.requireNonNull(user, "user");
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        PairScorer scorer = kernel.forUser(user, checkItems(user, items));
        BoundedRanking ranking = new BoundedRanking(Math.min(k, items.size()));
        scoreInOrder(scorer, items, ranking::offer);
        return ranking.bestFirst();
    }

    /** Where {@link #scoreInOrder} puts each item's score. */
    private interface ScoreSink {
        void accept(int index, float score);
    }

    /** Scores the items in order, telling the kernel each time which item comes next. */
    private static void scoreInOrder(
            PairScorer scorer, List<ContentVectors> items, ScoreSink sink) {
        Iterator<ContentVectors> rest = items.iterator();
        ContentVectors next = rest.hasNext() ? rest.next() : null;
        for (int i = 0; next != null; i++) {
            ContentVectors item = next;
            next = rest.hasNext() ? rest.next() : null;
            sink.accept(i, scorer.score(item, next));
        }
    }

    /** Checks every item's d against the user's; returns the largest item n (scratch size). */
    private static int checkItems(PolyEmbedding user, List<ContentVectors> items) {
        Objects.requireNonNull(items, "items");
        int maxRows = 0;
        int i = 0;
        for (ContentVectors item : items) {
            if (item == null) {
                throw new NullPointerException("item " + i + " is null");
            }
            requireSameDim(user, item, i++);
            maxRows = Math.max(maxRows, item.rows());
        }
        return maxRows;
    }

    private static void requireSameDim(PolyEmbedding user, ContentVectors item, int index) {
        if (user.dim() != item.dim()) {
            throw new IllegalArgumentException(
                    "dimension mismatch: the user poly-embedding is "
                            + user.shape()
                            + " (d="
                            + user.dim()
                            + ") but "
                            + (index < 0 ? "the item's" : "item " + index + "'s")
                            + " cpe and cpe_key are "
                            + item.cpe().shape()
                            + " (d="
                            + item.dim()
                            + ")");
        }
    }

    /**
     * The best {@code capacity} (index, score) pairs seen so far, as a binary min-heap on primitive
     * arrays whose root is the worst pair kept, so a candidate that does not make the cut costs one
     * comparison and no allocation.
     */
    private static final class BoundedRanking {

        private final int[] indices;
        private final float[] scores;
        private int size;

        BoundedRanking(int capacity) {
            indices = new int[capacity];
            scores = new float[capacity];
        }

        /** Indices must be offered in increasing order, so a tie never displaces a kept pair. */
        void offer(int index, float score) {
            if (size < indices.length) {
                indices[size] = index;
                scores[size] = score;
                siftUp(size++);
            } else if (Float.compare(score, scores[0]) > 0) {
                indices[0] = index;
                scores[0] = score;
                siftDown(0, size);
            }
        }

        /** Empties the heap into a list, best first. */
        List<ScoredItem> bestFirst() {
            ScoredItem[] ranked = new ScoredItem[size];
            for (int last = size - 1; last >= 0; last--) {
                ranked[last] = new ScoredItem(indices[0], scores[0]);
                swap(0, last);
                siftDown(0, last);
            }
            size = 0;
            return List.of(ranked);
        }

        /** True if pair i ranks below pair j: a lower score, or an equal one and a later index. */
        private boolean worse(int i, int j) {
            int byScore = Float.compare(scores[i], scores[j]);
            return byScore < 0 || (byScore == 0 && indices[i] > indices[j]);
        }

        private void siftUp(int i) {
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!worse(i, parent)) {
                    return;
                }
                swap(i, parent);
                i = parent;
            }
        }

        private void siftDown(int i, int end) {
            while (true) {
                int child = 2 * i + 1;
                if (child >= end) {
                    return;
                }
                if (child + 1 < end && worse(child + 1, child)) {
                    child++;
                }
                if (!worse(child, i)) {
                    return;
                }
                swap(i, child);
                i = child;
            }
        }

        private void swap(int i, int j) {
            int index = indices[i];
            indices[i] = indices[j];
            indices[j] = index;
            float score = scores[i];
            scores[i] = scores[j];
            scores[j] = score;
        }
    }
}
