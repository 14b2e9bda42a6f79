package dev.embsum.runtime.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.embsum.runtime.bundle.BundleManifest;
import dev.embsum.runtime.text.Session;
import dev.embsum.runtime.text.SessionKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Step 1 of the glue: every session of a micro-batch through {@code session_encoder.onnx}.
 *
 * <p>Sessions already in the cache are not encoded again. The rest are de-duplicated, sorted by
 * length and cut into runs of at most {@code encoderTokenBudget} padded tokens, so a batch pads
 * each session only up to a similar length (a session's states do not depend on the other rows or
 * on the padding, so this changes no number).
 */
final class SessionEncoder {

    private final EmbSumGraphs graphs;
    private final int dim;
    private final int padId;
    private final int tokenBudget;
    private final EncoderCache cache; // null = no cache

    SessionEncoder(EmbSumGraphs graphs, BundleManifest shape, InferenceOptions options) {
        this.graphs = graphs;
        this.dim = shape.dModel();
        this.padId = shape.padId();
        this.tokenBudget = options.encoderTokenBudget();
        this.cache =
                options.encoderCacheBytes() > 0
                        ? new EncoderCache(options.encoderCacheBytes())
                        : null;
    }

    /**
     * The encoded sessions, aligned with {@code sessions}. Each session's content key is hashed
     * once here; equal sessions share one entry.
     */
    EncodedSession[] encode(List<Session> sessions) throws OrtException {
        SessionKey[] keys = new SessionKey[sessions.size()];
        Map<SessionKey, EncodedSession> out = new HashMap<>();
        Map<SessionKey, int[]> missing = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            Session s = sessions.get(i);
            SessionKey key = s.contentKey();
            keys[i] = key;
            if (out.containsKey(key) || missing.containsKey(key)) {
                continue;
            }
            EncodedSession hit = cache == null ? null : cache.get(key);
            if (hit != null) {
                out.put(key, hit);
            } else {
                missing.put(key, s.tokens());
            }
        }
        List<Map.Entry<SessionKey, int[]>> todo = new ArrayList<>(missing.entrySet());
        todo.sort(Comparator.comparingInt(e -> e.getValue().length));
        int start = 0;
        while (start < todo.size()) {
            int end = start + 1;
            // sorted ascending, so the run's width is its last session's length
            while (end < todo.size()
                    && (long) (end + 1 - start) * todo.get(end).getValue().length <= tokenBudget) {
                end++;
            }
            List<Map.Entry<SessionKey, int[]>> run = todo.subList(start, end);
            encodeRun(run, out);
            start = end;
        }
        EncodedSession[] aligned = new EncodedSession[keys.length];
        for (int i = 0; i < keys.length; i++) {
            aligned[i] = out.get(keys[i]);
        }
        return aligned;
    }

    private void encodeRun(
            List<Map.Entry<SessionKey, int[]>> run, Map<SessionKey, EncodedSession> out)
            throws OrtException {
        List<int[]> rows = new ArrayList<>(run.size());
        run.forEach(e -> rows.add(e.getValue()));
        OnnxTensor[] idsMask = Tensors.paddedIdsAndMask(graphs.env, rows, padId);
        try (OrtSession.Result result =
                graphs.sessionEncoder.run(
                        Map.of("input_ids", idsMask[0], "attention_mask", idsMask[1]))) {
            float[] states = Tensors.floatsOf(result, "token_states"); // [S, L, d]
            int width = (int) idsMask[0].getInfo().getShape()[1];
            for (int i = 0; i < run.size(); i++) {
                int len = rows.get(i).length;
                float[] valid = new float[len * dim];
                System.arraycopy(states, i * width * dim, valid, 0, len * dim);
                EncodedSession encoded = new EncodedSession(len, dim, valid);
                out.put(run.get(i).getKey(), encoded);
                if (cache != null) {
                    cache.put(run.get(i).getKey(), encoded);
                }
            }
        } finally {
            Tensors.closeAll(idsMask);
        }
    }

    CacheStats cacheStats() {
        return cache == null ? new CacheStats(0, 0, 0, 0, 0, 0) : cache.stats();
    }

    void clearCache() {
        if (cache != null) {
            cache.clear();
        }
    }
}
