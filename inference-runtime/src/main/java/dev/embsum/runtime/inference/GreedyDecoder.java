package dev.embsum.runtime.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.embsum.runtime.bundle.BundleManifest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Step 4 of the glue: greedy decoding with the KV cache over a batch of FiD memories, exactly the
 * rule of {@code EmbSum.greedy_summary} (docs/model-bundle.md section 5).
 *
 * <p>{@code decoder_first} computes the cross-attention keys/values once; every {@code
 * decoder_step} then gets the previous step's self-attention cache straight from the previous
 * {@link OrtSession.Result} (native tensors passed back in, no copy through the heap). A row that
 * has emitted {@code </s>} keeps running with pad input: rows never interact, and keeping the batch
 * shape avoids re-slicing the cache.
 */
final class GreedyDecoder {

    /** One user's decoding result. */
    record Decoded(int[] summaryIds, float[] globalVector) {}

    private final EmbSumGraphs graphs;
    private final BundleManifest shape;
    private final int cap;
    private final Set<String> firstOutputs = new HashSet<>();
    private final Set<String> stepOutputs = new HashSet<>();

    GreedyDecoder(EmbSumGraphs graphs, BundleManifest shape, int cap) {
        this.graphs = graphs;
        this.shape = shape;
        this.cap = cap;
        firstOutputs.addAll(List.of("hidden", "next_id"));
        stepOutputs.addAll(List.of("hidden", "next_id"));
        for (int i = 0; i < shape.numDecoderLayers(); i++) {
            for (String kv : List.of("key", "value")) {
                firstOutputs.add("present." + i + ".self." + kv);
                firstOutputs.add("present." + i + ".cross." + kv);
                stepOutputs.add("present." + i + ".self." + kv);
            }
        }
    }

    /**
     * @param memory {@code [B, M, d]} row-major, each user's valid session states, zero-padded
     * @param memoryLen the number of real rows of each user's memory (1..M)
     */
    List<Decoded> decode(float[] memory, int[] memoryLen, int maxLen) throws OrtException {
        int b = memoryLen.length;
        int d = shape.dModel();
        long[] mask = new long[b * maxLen];
        for (int u = 0; u < b; u++) {
            Arrays.fill(mask, u * maxLen, u * maxLen + memoryLen[u], 1L);
        }
        long[] tokens = new long[b];
        Arrays.fill(tokens, shape.decoderStartId());

        boolean[] done = new boolean[b];
        float[][] global = new float[b][];
        List<List<Integer>> summaries = new ArrayList<>(b);
        for (int u = 0; u < b; u++) {
            summaries.add(new ArrayList<>());
        }

        OnnxTensor memoryTensor = null;
        OnnxTensor maskTensor = null;
        OnnxTensor inputIds = null;
        OrtSession.Result first = null;
        OrtSession.Result step = null;
        try {
            memoryTensor = Tensors.floats(graphs.env, memory, b, maxLen, d);
            maskTensor = Tensors.longs(graphs.env, mask, b, maxLen);
            inputIds = Tensors.longs(graphs.env, tokens, b, 1);
            first =
                    graphs.decoderFirst.run(
                            Map.of(
                                    "input_ids",
                                    inputIds,
                                    "memory",
                                    memoryTensor,
                                    "memory_mask",
                                    maskTensor),
                            firstOutputs);
            OrtSession.Result current = first;
            for (int t = 0; t < cap; t++) {
                float[] hidden = Tensors.floatsOf(current, "hidden");
                long[] next = Tensors.longsOf(current, "next_id");
                boolean allDone = true;
                for (int u = 0; u < b; u++) {
                    long tok = done[u] ? shape.padId() : next[u];
                    boolean emitsEos = tok == shape.eosId();
                    if (!done[u] && (emitsEos || t == cap - 1)) {
                        global[u] = Arrays.copyOfRange(hidden, u * d, (u + 1) * d);
                    }
                    if (!done[u]) {
                        summaries.get(u).add((int) tok);
                    }
                    done[u] |= emitsEos;
                    allDone &= done[u];
                    tokens[u] = tok;
                }
                if (allDone || t == cap - 1) {
                    break;
                }
                Map<String, OnnxTensor> feed = new HashMap<>();
                inputIds.close();
                inputIds = Tensors.longs(graphs.env, tokens, b, 1);
                feed.put("input_ids", inputIds);
                feed.put("memory_mask", maskTensor);
                for (int i = 0; i < shape.numDecoderLayers(); i++) {
                    for (String kv : List.of("key", "value")) {
                        feed.put(
                                "past." + i + ".self." + kv,
                                Tensors.tensor(current, "present." + i + ".self." + kv));
                        feed.put(
                                "past." + i + ".cross." + kv,
                                Tensors.tensor(first, "present." + i + ".cross." + kv));
                    }
                }
                OrtSession.Result nextResult = graphs.decoderStep.run(feed, stepOutputs);
                if (step != null) {
                    step.close(); // its self-attention cache has just been consumed
                }
                step = nextResult;
                current = step;
            }
        } finally {
            Tensors.closeAll(step, first, inputIds, maskTensor, memoryTensor);
        }
        List<Decoded> out = new ArrayList<>(b);
        for (int u = 0; u < b; u++) {
            int[] ids = summaries.get(u).stream().mapToInt(Integer::intValue).toArray();
            out.add(new Decoded(ids, global[u]));
        }
        return out;
    }
}
