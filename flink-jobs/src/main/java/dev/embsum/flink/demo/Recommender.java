package dev.embsum.flink.demo;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.flink.internal.Float32Bytes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Top-k items for a user by the EmbSum poly-attention score (docs/model-bundle.md section 5,
 * "Scoring"), from the published UserEmbedding and ContentEmbeddings only: what a ranker does.
 *
 * <p>TODO: replace {@link #score} with dev.embsum.runtime.score.PolyScorer once it is on this
 * branch (one implementation, tested against the golden vectors).
 */
final class Recommender {

    record Scored(String itemId, double score) {
    }

    private Recommender() {
    }

    /** The {@code k} best-scoring items not in {@code exclude}, best first. */
    static List<Scored> top(UserEmbedding user, Collection<ContentEmbedding> items, Set<String> exclude, int k) {
        float[] upe = Float32Bytes.unpack(user.getUpe());
        List<Scored> scored = new ArrayList<>();
        for (ContentEmbedding item : items) {
            if (exclude.contains(item.getItemId()) || item.getD() != user.getD()) {
                continue;
            }
            scored.add(new Scored(item.getItemId(), score(upe, user.getM(),
                    Float32Bytes.unpack(item.getCpe()), Float32Bytes.unpack(item.getCpeKey()), item.getN(), user.getD())));
        }
        scored.sort(Comparator.comparingDouble(Scored::score).reversed().thenComparing(Scored::itemId));
        return scored.subList(0, Math.min(k, scored.size()));
    }

    /**
     * K[a,c] = A[a]·B[c]; W = softmax over all m·n entries of A[a]·Kc[c]; score = Σ W·K.
     * In double, like the Python reference.
     */
    static double score(float[] a, int m, float[] b, float[] kc, int n, int d) {
        double[] logits = new double[m * n];
        double[] values = new double[m * n];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < m; i++) {
            for (int c = 0; c < n; c++) {
                double dotKey = 0;
                double dotValue = 0;
                for (int j = 0; j < d; j++) {
                    double ai = a[i * d + j];
                    dotKey += ai * kc[c * d + j];
                    dotValue += ai * b[c * d + j];
                }
                logits[i * n + c] = dotKey;
                values[i * n + c] = dotValue;
                max = Math.max(max, dotKey);
            }
        }
        double norm = 0;
        double weighted = 0;
        for (int i = 0; i < logits.length; i++) {
            double w = Math.exp(logits[i] - max); // shifted for a stable softmax
            norm += w;
            weighted += w * values[i];
        }
        return weighted / norm;
    }
}
