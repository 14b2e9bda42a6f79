package dev.embsum.ranker;

import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The scoring formula of docs/model-bundle.md section 5 written as plainly as possible, in double
 * precision, as the tests' oracle: one loop per dot product, then a softmax that subtracts the
 * largest logit.
 */
final class ReferenceScorer {

    /**
     * Accepted distance from a float64 reference: {@code |s - ref| <= ABS + REL * |ref|}.
     *
     * <p>Relative part: the scorer rounds a float64 result to float32 once (2^-24 = 6e-8 relative).
     * {@code golden/scores.json} comes from the PyTorch model's float32 {@code score_all}, measured
     * within 2 float32 ulps (1.2e-7 relative) of float64 on the tiny-dev bundle, and float32 einsum
     * error grows with d; 1e-6 leaves room for both. Absolute part: the error of a dot product is
     * proportional to the size of its terms ({@code sum |A_i B_i|}), not to the score, which can be
     * near zero while the terms are not; 1e-5 is far below any score difference that matters to a
     * ranking. The scorer accumulates in double and is far inside both parts; accumulating in float
     * would not be (measured: up to 5.4e-5 off at d=512, see docs/benchmarks/inference-runtime.md).
     */
    static final double ABS_TOLERANCE = 1e-5;

    static final double REL_TOLERANCE = 1e-6;

    private ReferenceScorer() {}

    static double tolerance(double reference) {
        return ABS_TOLERANCE + REL_TOLERANCE * Math.abs(reference);
    }

    /** The score of A [m][d] against B and Kc [n][d]. */
    static double score(float[][] a, float[][] b, float[][] kc) {
        int m = a.length;
        int n = b.length;
        double[] k = new double[m * n];
        double[] logits = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int c = 0; c < n; c++) {
                k[i * n + c] = dot(a[i], b[c]);
                logits[i * n + c] = dot(a[i], kc[c]);
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        double[] w = new double[logits.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.exp(logits[i] - max);
            sum += w[i];
        }
        double score = 0;
        for (int i = 0; i < w.length; i++) {
            score += w[i] / sum * k[i];
        }
        return score;
    }

    private static double dot(float[] x, float[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (double) x[i] * y[i];
        }
        return s;
    }

    /** The k best of {@code scores} by a full sort: score descending, then index ascending. */
    static List<ScoredItem> rankBySort(float[] scores, int k) {
        return IntStream.range(0, scores.length)
                .mapToObj(i -> new ScoredItem(i, scores[i]))
                .sorted(
                        Comparator.comparing(ScoredItem::score, Float::compare)
                                .reversed()
                                .thenComparingInt(ScoredItem::index))
                .limit(k)
                .toList();
    }

    /** Row-major values of a matrix. */
    static float[] flatten(float[][] rows) {
        int dim = rows[0].length;
        float[] flat = new float[rows.length * dim];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * dim, dim);
        }
        return flat;
    }

    static PolyEmbedding embedding(float[][] rows) {
        return PolyEmbedding.of(rows.length, rows[0].length, flatten(rows));
    }
}
