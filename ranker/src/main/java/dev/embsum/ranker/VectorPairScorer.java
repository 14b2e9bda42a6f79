package dev.embsum.ranker;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link PolyScorer.Kernel#VECTOR}: the scalar kernel's double-precision dot products on the widest
 * double vectors of the CPU (8 lanes with AVX-512), through JDK 17's incubating Vector API. Loaded
 * only where the JVM resolves {@code jdk.incubator.vector}; {@link PolyScorer} checks.
 *
 * <p><b>Layout.</b> Each call of {@link PolyScorer} transposes the user once, to double: user rows
 * are grouped into panels of {@link #PANEL} rows (then panels of one vector for the rest, the last
 * padded with zero rows), and a panel holds dimension {@code i} of its rows at {@code i * width}
 * onwards, so that one vector load is dimension {@code i} of {@code LANES} user rows. A kernel
 * block is 4 such vectors against 4 item rows: per dimension {@code i}, 4 loads of the user, 4
 * broadcasts of one item value each (float widened to double) and 16 independent FMAs, enough to
 * keep two FMA units busy through their latency. Each lane is one dot product and accumulates over
 * {@code i} in order, so there is no horizontal sum, and it does exactly what {@link
 * ScalarPairScorer}'s accumulators do ({@code fma} of an exact float-by-float product in double,
 * {@code i} ascending): the dot products are the same bits.
 *
 * <p>The softmax runs on vectors too ({@link VectorOperators#EXP}, within 1 ulp as {@link
 * Math#exp}) and sums in lane order rather than entry order, so the score may differ from the
 * scalar kernel's in the last bits of the double that is rounded to float.
 *
 * <p><b>Memory.</b> The kernel needs an item's vectors (4 KB at d=128, 16 KB at d=512, n=4) faster
 * than main memory delivers them one cache line after another: {@link #score} reads one value of
 * every cache line of the next item while the softmax of this one runs, so that they arrive
 * together.
 */
final class VectorPairScorer implements PairScorer {

    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;

    private static final int LANES = SPECIES.length();

    /** Item rows per kernel block. */
    private static final int ROW_BLOCK = 4;

    /** User rows per kernel block: 4 vectors, which by 4 item rows are 16 accumulators. */
    private static final int PANEL = 4 * LANES;

    /** Floats per 64-byte cache line. */
    private static final int FLOATS_PER_LINE = 16;

    private final int m;
    private final int d;

    /** m rounded up to a whole number of vectors. */
    private final int paddedM;

    /** The user rows in whole panels of PANEL rows; the rest are in panels of one vector. */
    private final int panelledM;

    /** The transposed user, panel after panel (see the class comment); padding rows are 0. */
    private final double[] userPanels;

    /**
     * {@code A[a]·row c} at {@code c * paddedM + a}: K for cpe rows {@code c < n}, the logits for
     * cpe_key rows, stored as rows {@code n + c}.
     */
    private final double[] products;

    /** Where the values read by {@link #fetch} go, so that the JIT cannot drop the reads. */
    private float fetched;

    /** The widest double vector the CPU has, in lanes. */
    static int lanes() {
        return LANES;
    }

    VectorPairScorer(PolyEmbedding user, int maxItemRows) {
        this.m = user.rows();
        this.d = user.dim();
        this.paddedM = roundUp(m, LANES);
        this.panelledM = paddedM - paddedM % PANEL;
        this.userPanels = new double[paddedM * d];
        float[] values = user.values();
        for (int a = 0; a < m; a++) {
            int width = a < panelledM ? PANEL : LANES;
            int panel = a - a % width;
            for (int i = 0; i < d; i++) {
                userPanels[panel * d + i * width + a - panel] = values[a * d + i];
            }
        }
        this.products = new double[2 * maxItemRows * paddedM];
    }

    @Override
    public float score(ContentVectors item, ContentVectors next) {
        int n = item.rows();
        multiply(item.cpe().values(), n, 0);
        multiply(item.cpeKey().values(), n, n);
        if (next != null) {
            fetch(next);
        }
        return softmaxWeightedSum(n);
    }

    /** Reads one value of every cache line of the item's vectors. */
    private void fetch(ContentVectors item) {
        fetched = onePerLine(item.cpe().values()) + onePerLine(item.cpeKey().values());
    }

    private static float onePerLine(float[] values) {
        float sum = 0;
        for (int j = 0; j < values.length; j += FLOATS_PER_LINE) {
            sum += values[j];
        }
        return sum;
    }

    /** A times the n rows of an item matrix, into rows out..out+n-1 of the products. */
    private void multiply(float[] rows, int n, int out) {
        for (int c = 0; c < n; c += ROW_BLOCK) {
            for (int a = 0; a < panelledM; a += PANEL) {
                fourVectorsByFourRows(a, rows, c, n, out);
            }
            for (int a = panelledM; a < paddedM; a += LANES) {
                oneVectorByFourRows(a, rows, c, n, out);
            }
        }
    }

    /**
     * User rows a..a+PANEL-1 times item rows c..c+3: 16 vectors of dot products. A block past the
     * item's last row repeats that row: the same dot products, stored to the same place.
     */
    private void fourVectorsByFourRows(int a, float[] rows, int c, int n, int out) {
        int c1 = Math.min(c + 1, n - 1);
        int c2 = Math.min(c + 2, n - 1);
        int c3 = Math.min(c + 3, n - 1);
        int b0 = c * d;
        int b1 = c1 * d;
        int b2 = c2 * d;
        int b3 = c3 * d;
        DoubleVector p00 = DoubleVector.zero(SPECIES);
        DoubleVector p01 = p00;
        DoubleVector p02 = p00;
        DoubleVector p03 = p00;
        DoubleVector p10 = p00;
        DoubleVector p11 = p00;
        DoubleVector p12 = p00;
        DoubleVector p13 = p00;
        DoubleVector p20 = p00;
        DoubleVector p21 = p00;
        DoubleVector p22 = p00;
        DoubleVector p23 = p00;
        DoubleVector p30 = p00;
        DoubleVector p31 = p00;
        DoubleVector p32 = p00;
        DoubleVector p33 = p00;
        int panel = a * d;
        for (int i = 0; i < d; i++) {
            int u = panel + i * PANEL;
            DoubleVector x0 = DoubleVector.fromArray(SPECIES, userPanels, u);
            DoubleVector x1 = DoubleVector.fromArray(SPECIES, userPanels, u + LANES);
            DoubleVector x2 = DoubleVector.fromArray(SPECIES, userPanels, u + 2 * LANES);
            DoubleVector x3 = DoubleVector.fromArray(SPECIES, userPanels, u + 3 * LANES);
            DoubleVector y = DoubleVector.broadcast(SPECIES, rows[b0 + i]);
            p00 = x0.fma(y, p00);
            p10 = x1.fma(y, p10);
            p20 = x2.fma(y, p20);
            p30 = x3.fma(y, p30);
            y = DoubleVector.broadcast(SPECIES, rows[b1 + i]);
            p01 = x0.fma(y, p01);
            p11 = x1.fma(y, p11);
            p21 = x2.fma(y, p21);
            p31 = x3.fma(y, p31);
            y = DoubleVector.broadcast(SPECIES, rows[b2 + i]);
            p02 = x0.fma(y, p02);
            p12 = x1.fma(y, p12);
            p22 = x2.fma(y, p22);
            p32 = x3.fma(y, p32);
            y = DoubleVector.broadcast(SPECIES, rows[b3 + i]);
            p03 = x0.fma(y, p03);
            p13 = x1.fma(y, p13);
            p23 = x2.fma(y, p23);
            p33 = x3.fma(y, p33);
        }
        int o0 = (out + c) * paddedM + a;
        int o1 = (out + c1) * paddedM + a;
        int o2 = (out + c2) * paddedM + a;
        int o3 = (out + c3) * paddedM + a;
        p00.intoArray(products, o0);
        p10.intoArray(products, o0 + LANES);
        p20.intoArray(products, o0 + 2 * LANES);
        p30.intoArray(products, o0 + 3 * LANES);
        p01.intoArray(products, o1);
        p11.intoArray(products, o1 + LANES);
        p21.intoArray(products, o1 + 2 * LANES);
        p31.intoArray(products, o1 + 3 * LANES);
        p02.intoArray(products, o2);
        p12.intoArray(products, o2 + LANES);
        p22.intoArray(products, o2 + 2 * LANES);
        p32.intoArray(products, o2 + 3 * LANES);
        p03.intoArray(products, o3);
        p13.intoArray(products, o3 + LANES);
        p23.intoArray(products, o3 + 2 * LANES);
        p33.intoArray(products, o3 + 3 * LANES);
    }

    /** The user rows past the last whole panel, one vector at a time, by item rows c..c+3. */
    private void oneVectorByFourRows(int a, float[] rows, int c, int n, int out) {
        int c1 = Math.min(c + 1, n - 1);
        int c2 = Math.min(c + 2, n - 1);
        int c3 = Math.min(c + 3, n - 1);
        int b0 = c * d;
        int b1 = c1 * d;
        int b2 = c2 * d;
        int b3 = c3 * d;
        DoubleVector p0 = DoubleVector.zero(SPECIES);
        DoubleVector p1 = p0;
        DoubleVector p2 = p0;
        DoubleVector p3 = p0;
        int panel = a * d;
        for (int i = 0; i < d; i++) {
            DoubleVector x = DoubleVector.fromArray(SPECIES, userPanels, panel + i * LANES);
            p0 = x.fma(DoubleVector.broadcast(SPECIES, rows[b0 + i]), p0);
            p1 = x.fma(DoubleVector.broadcast(SPECIES, rows[b1 + i]), p1);
            p2 = x.fma(DoubleVector.broadcast(SPECIES, rows[b2 + i]), p2);
            p3 = x.fma(DoubleVector.broadcast(SPECIES, rows[b3 + i]), p3);
        }
        p0.intoArray(products, (out + c) * paddedM + a);
        p1.intoArray(products, (out + c1) * paddedM + a);
        p2.intoArray(products, (out + c2) * paddedM + a);
        p3.intoArray(products, (out + c3) * paddedM + a);
    }

    /** {@code sum softmax(logits) * K} over the m x n entries, leaving out the padding lanes. */
    private float softmaxWeightedSum(int n) {
        int logits = n * paddedM;
        // A padding lane's logit is 0, which could exceed every real one: make it -inf, for a
        // weight exp(-inf) = 0 on a K of 0 (the padding user rows are 0).
        for (int c = 0; c < n; c++) {
            int row = logits + c * paddedM;
            Arrays.fill(products, row + m, row + paddedM, Double.NEGATIVE_INFINITY);
        }
        DoubleVector max = DoubleVector.broadcast(SPECIES, Double.NEGATIVE_INFINITY);
        for (int j = 0; j < logits; j += LANES) {
            max = max.max(DoubleVector.fromArray(SPECIES, products, logits + j));
        }
        // exp(max - max) = 1, so the normaliser is in [1, m*n]: no overflow, no division by 0.
        DoubleVector largest =
                DoubleVector.broadcast(SPECIES, max.reduceLanes(VectorOperators.MAX));
        DoubleVector normaliser = DoubleVector.zero(SPECIES);
        DoubleVector weighted = normaliser;
        for (int j = 0; j < logits; j += LANES) {
            DoubleVector w =
                    DoubleVector.fromArray(SPECIES, products, logits + j)
                            .sub(largest)
                            .lanewise(VectorOperators.EXP);
            normaliser = normaliser.add(w);
            weighted = w.fma(DoubleVector.fromArray(SPECIES, products, j), weighted);
        }
        return (float)
                (weighted.reduceLanes(VectorOperators.ADD)
                        / normaliser.reduceLanes(VectorOperators.ADD));
    }

    private static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }
}
