package dev.embsum.ranker;

/**
 * {@link PolyScorer.Kernel#SCALAR}: plain Java, one double accumulator per dot product, which any
 * JVM runs.
 *
 * <p>The kernel computes a block of 4 user rows against one content row and its key at a time: 8
 * independent accumulators, enough to keep both FMA units busy through their 4-cycle latency, and 6
 * loads per 8 multiply-adds. JDK 17's C2 does not vectorize these floating-point reductions, so it
 * reaches the scalar FMA peak at best (see docs/benchmarks/inference-runtime.md).
 */
final class ScalarPairScorer implements PairScorer {

    /** User rows per kernel block; 4 rows x (cpe, cpe_key) = 8 accumulators. */
    private static final int ROW_BLOCK = 4;

    private final float[] user;
    private final int m;
    private final int d;

    /** {@code K[a,c] = A[a]·B[c]} at {@code a*n + c}. */
    private final double[] dots;

    /** {@code A[a]·Kc[c]} at {@code a*n + c}. */
    private final double[] logits;

    ScalarPairScorer(PolyEmbedding user, int maxItemRows) {
        this.user = user.values();
        this.m = user.rows();
        this.d = user.dim();
        this.dots = new double[m * maxItemRows];
        this.logits = new double[m * maxItemRows];
    }

    /** Ignores {@code next}: this kernel reads an item slowly enough for memory to keep up. */
    @Override
    public float score(ContentVectors item, ContentVectors next) {
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
