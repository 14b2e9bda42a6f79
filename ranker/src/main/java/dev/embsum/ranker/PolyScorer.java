package dev.embsum.ranker;

import dev.embsum.annotation.PublicEvolving;
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
 * inside the tested tolerance {@code 1e-5 + 1e-6 * |score|}.
 *
 * <p><b>Speed.</b> A pair costs {@code 2 m n d} multiply-adds (K and the logits), 32,768 at m=32,
 * n=4, d=128. The kernel computes a block of 4 user rows against one content row and its key at a
 * time: 8 independent accumulators, enough to keep both FMA units busy through their 4-cycle
 * latency, and 6 loads per 8 multiply-adds. It is scalar: JDK 17's C2 does not vectorize
 * floating-point reductions profitably, and the Vector API is still incubating. Accumulating in
 * double costs nothing here: the float-to-double conversions run beside the FMAs, and since the
 * product of two floats is exact in double, {@code Math.fma} gives the same bits as a multiply and
 * an add, in one instruction. Measured with JMH on a Zen 4 core, the same kernel with float
 * accumulators was no faster (within noise) but off by up to 5.4e-5 per score at d=512, outside the
 * tolerance; {@code scoreAll} reaches about 70% (d=128) to 80% (d=512) of the scalar FMA peak, the
 * softmax's {@code m n} calls to {@code exp} being most of the rest at d=128. See
 * docs/benchmarks/inference-runtime.md.
 *
 * <p>Stateless and thread-safe: every call works on its own scratch arrays.
 */
@PublicEvolving
public final class PolyScorer {

    /** User rows per kernel block; 4 rows x (cpe, cpe_key) = 8 accumulators. */
    private static final int ROW_BLOCK = 4;

    private PolyScorer() {}

    /**
     * The score of one user-item pair.
     *
     * @throws IllegalArgumentException if the user's and the item's {@code d} differ
     */
    public static float score(PolyEmbedding user, ContentVectors item) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(item, "item");
        requireSameDim(user, item, -1);
        return new PairScorer(user, item.rows()).score(item);
    }

    /**
     * The scores of one user against every item, in item order.
     *
     * @throws IllegalArgumentException if an item's {@code d} differs from the user's (the message
     *     gives the item's index)
     */
    public static float[] scoreAll(PolyEmbedding user, List<ContentVectors> items) {
        Objects.requireNonNull(user, "user");
        PairScorer scorer = new PairScorer(user, checkItems(user, items));
        float[] scores = new float[items.size()];
        int i = 0;
        for (ContentVectors item : items) {
            scores[i++] = scorer.score(item);
        }
        return scores;
    }

    /**
     * The {@code k} best items for one user, as an unmodifiable list of at most {@code k} entries,
     * best first; equal scores are ordered by index (the earlier item first). Score order is that
     * of {@link Float#compare}. Keeps only {@code k} entries while scoring, so memory does not grow
     * with the number of items.
     *
     * @throws IllegalArgumentException if {@code k < 1}, or if an item's {@code d} differs from the
     *     user's (the message gives the item's index)
     */
    public static List<ScoredItem> topK(PolyEmbedding user, List<ContentVectors> items, int k) {
        Objects.requireNonNull(user, "user");
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        PairScorer scorer = new PairScorer(user, checkItems(user, items));
        BoundedRanking ranking = new BoundedRanking(Math.min(k, items.size()));
        int i = 0;
        for (ContentVectors item : items) {
            ranking.offer(i++, scorer.score(item));
        }
        return ranking.bestFirst();
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

    /** One user against items of the same d, with the scratch space of one pair. */
    private static final class PairScorer {

        private final float[] user;
        private final int m;
        private final int d;

        /** {@code K[a,c] = A[a]·B[c]} at {@code a*n + c}. */
        private final double[] dots;

        /** {@code A[a]·Kc[c]} at {@code a*n + c}. */
        private final double[] logits;

        PairScorer(PolyEmbedding user, int maxItemRows) {
            this.user = user.values();
            this.m = user.rows();
            this.d = user.dim();
            this.dots = new double[m * maxItemRows];
            this.logits = new double[m * maxItemRows];
        }

        float score(ContentVectors item) {
            int n = item.rows();
            float[] cpe = item.cpe().values();
            float[] key = item.cpeKey().values();
            int blocked = m - m % ROW_BLOCK;
            for (int a = 0; a < blocked; a += ROW_BLOCK) {
                for (int c = 0; c < n; c++) {
                    dotsOfFourRows(a, cpe, key, c, n);
                }
            }
            for (int a = blocked; a < m; a++) {
                for (int c = 0; c < n; c++) {
                    dotsOfOneRow(a, cpe, key, c, n);
                }
            }
            return softmaxWeightedSum(m * n);
        }

        /** Rows a..a+3 of A against row c of cpe and of cpe_key: 8 dot products in one pass. */
        private void dotsOfFourRows(int a, float[] cpe, float[] key, int c, int n) {
            int u0 = a * d;
            int u1 = u0 + d;
            int u2 = u1 + d;
            int u3 = u2 + d;
            int v = c * d;
            double k0 = 0;
            double k1 = 0;
            double k2 = 0;
            double k3 = 0;
            double l0 = 0;
            double l1 = 0;
            double l2 = 0;
            double l3 = 0;
            for (int i = 0; i < d; i++) {
                double x0 = user[u0 + i];
                double x1 = user[u1 + i];
                double x2 = user[u2 + i];
                double x3 = user[u3 + i];
                double b = cpe[v + i];
                double kc = key[v + i];
                k0 = Math.fma(x0, b, k0);
                k1 = Math.fma(x1, b, k1);
                k2 = Math.fma(x2, b, k2);
                k3 = Math.fma(x3, b, k3);
                l0 = Math.fma(x0, kc, l0);
                l1 = Math.fma(x1, kc, l1);
                l2 = Math.fma(x2, kc, l2);
                l3 = Math.fma(x3, kc, l3);
            }
            int o = a * n + c;
            dots[o] = k0;
            dots[o + n] = k1;
            dots[o + 2 * n] = k2;
            dots[o + 3 * n] = k3;
            logits[o] = l0;
            logits[o + n] = l1;
            logits[o + 2 * n] = l2;
            logits[o + 3 * n] = l3;
        }

        /** The {@code m % 4} rows left over by {@link #dotsOfFourRows}. */
        private void dotsOfOneRow(int a, float[] cpe, float[] key, int c, int n) {
            int u = a * d;
            int v = c * d;
            double k = 0;
            double l = 0;
            for (int i = 0; i < d; i++) {
                double x = user[u + i];
                k = Math.fma(x, cpe[v + i], k);
                l = Math.fma(x, key[v + i], l);
            }
            dots[a * n + c] = k;
            logits[a * n + c] = l;
        }

        /** {@code sum softmax(logits) * dots} over the first {@code size} entries. */
        private float softmaxWeightedSum(int size) {
            double max = logits[0];
            for (int i = 1; i < size; i++) {
                max = Math.max(max, logits[i]);
            }
            // exp(max - max) = 1, so the normaliser is in [1, size]: no overflow, no division by 0.
            double normaliser = 0;
            double weighted = 0;
            for (int i = 0; i < size; i++) {
                double w = Math.exp(logits[i] - max);
                normaliser += w;
                weighted += w * dots[i];
            }
            return (float) (weighted / normaliser);
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
