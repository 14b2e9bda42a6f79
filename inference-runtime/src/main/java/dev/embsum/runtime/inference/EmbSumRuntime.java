package dev.embsum.runtime.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.embsum.runtime.bundle.BundleException;
import dev.embsum.runtime.bundle.BundleManifest;
import dev.embsum.runtime.bundle.ModelBundle;
import dev.embsum.runtime.text.ItemFormatter;
import dev.embsum.runtime.text.Session;
import dev.embsum.runtime.text.SessionGrouper;
import dev.embsum.runtime.text.T5Tokenizer;
import dev.embsum.runtime.text.TextContract;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * EmbSum inference over one model bundle: user refresh (history sessions → UPE + summary) and
 * content embedding (item tokens → CPE), the glue of docs/model-bundle.md section 5 around the
 * bundle's five ONNX graphs.
 *
 * <p>Micro-batching: {@link #refresh(List)} takes many users at once. All their sessions go through
 * the encoder together (de-duplicated, cached, length-bucketed), then users are sorted by memory
 * length and decoded in batches of {@code maxDecodeBatch}. Results come back in input order and
 * equal one-by-one refreshes (rows never interact).
 *
 * <p>Thread-safe: ONNX Runtime sessions may be run concurrently and the cache is synchronized.
 * {@link #close()} must not race a running call.
 */
public final class EmbSumRuntime implements AutoCloseable {

    private final ModelBundle bundle;
    private final boolean ownsBundle;
    private final BundleManifest shape;
    private final EmbSumGraphs graphs;
    private final SessionEncoder encoder;
    private final GreedyDecoder decoder;
    private final T5Tokenizer tokenizer;
    private final TextContract contract;
    private final InferenceOptions options;
    private final int summaryCap;

    private EmbSumRuntime(
            ModelBundle bundle,
            boolean ownsBundle,
            EmbSumGraphs graphs,
            T5Tokenizer tokenizer,
            TextContract contract,
            InferenceOptions options) {
        this.bundle = bundle;
        this.ownsBundle = ownsBundle;
        this.shape = bundle.manifest();
        this.graphs = graphs;
        this.tokenizer = tokenizer;
        this.contract = contract;
        this.options = options;
        int bundleCap = shape.maxSummaryTokens();
        this.summaryCap =
                options.maxSummaryTokens() == 0
                        ? bundleCap
                        : Math.min(options.maxSummaryTokens(), bundleCap);
        this.encoder = new SessionEncoder(graphs, shape, options);
        this.decoder = new GreedyDecoder(graphs, shape, summaryCap);
    }

    /**
     * Opens and verifies a bundle (directory or .tar.gz, see {@link ModelBundle#open}) and loads
     * it; the runtime owns the bundle and removes an extracted archive on {@link #close()}.
     *
     * @throws BundleException if the bundle fails verification (the message names the file)
     */
    public static EmbSumRuntime open(Path bundlePath, InferenceOptions options)
            throws BundleException, IOException, OrtException {
        return open(bundlePath, null, options);
    }

    /**
     * As {@link #open(Path, InferenceOptions)}, and manifest.json must have the SHA-256 {@code
     * expectedManifestSha256} ({@code ModelRelease.bundle_sha256}; null: not checked).
     *
     * @throws BundleException if the bundle fails verification (the message names the file)
     */
    public static EmbSumRuntime open(
            Path bundlePath, String expectedManifestSha256, InferenceOptions options)
            throws BundleException, IOException, OrtException {
        ModelBundle bundle = ModelBundle.open(bundlePath, expectedManifestSha256);
        try {
            return load(bundle, true, options);
        } catch (IOException | OrtException | RuntimeException e) {
            bundle.close();
            throw e;
        }
    }

    /**
     * Loads an already verified bundle: creates the five sessions from their files, checks their
     * input/output names against the manifest and loads the bundle's tokenizer and text contract.
     * The caller keeps ownership of {@code bundle} and closes it after this runtime.
     */
    public static EmbSumRuntime load(ModelBundle bundle, InferenceOptions options)
            throws IOException, OrtException {
        return load(bundle, false, options);
    }

    private static EmbSumRuntime load(ModelBundle bundle, boolean owns, InferenceOptions options)
            throws IOException, OrtException {
        TextContract contract = TextContract.fromJson(bundle.manifest().text());
        T5Tokenizer tokenizer = T5Tokenizer.load(bundle.resolve(bundle.manifest().tokenizerFile()));
        try {
            return new EmbSumRuntime(
                    bundle, owns, EmbSumGraphs.open(bundle, options), tokenizer, contract, options);
        } catch (OrtException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /**
     * Refreshes a micro-batch of users. {@code users.get(b)} is user b's sessions, oldest first
     * ({@link SessionGrouper#sessions}); every user needs at least one session (an empty history
     * has no embedding).
     */
    public List<UserRefresh> refresh(List<List<Session>> users) throws OrtException {
        for (int b = 0; b < users.size(); b++) {
            if (users.get(b).isEmpty()) {
                throw new IllegalArgumentException(
                        "user "
                                + b
                                + " of the batch has no sessions:"
                                + " an empty history has no embedding");
            }
        }
        if (users.isEmpty()) {
            return List.of();
        }
        int d = shape.dModel();
        List<Session> all = new ArrayList<>();
        users.forEach(all::addAll);
        EncodedSession[] encoded = encoder.encode(all); // 1.
        EncodedSession[][] states = new EncodedSession[users.size()][];
        for (int b = 0, from = 0; b < users.size(); from += users.get(b).size(), b++) {
            states[b] = Arrays.copyOfRange(encoded, from, from + users.get(b).size());
        }

        int[] memoryLen = new int[users.size()];
        for (int b = 0; b < users.size(); b++) {
            for (Session s : users.get(b)) {
                memoryLen[b] += s.length();
            }
        }
        // decode users of similar memory length together: less padding in every step
        Integer[] order = IntStream.range(0, users.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt(b -> memoryLen[b]));
        UserRefresh[] out = new UserRefresh[users.size()];
        for (int start = 0; start < order.length; start += options.maxDecodeBatch()) {
            int[] chunk = new int[Math.min(options.maxDecodeBatch(), order.length - start)];
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = order[start + i];
            }
            refreshChunk(users, chunk, states, memoryLen, d, out);
        }
        return List.of(out);
    }

    /** One user; see {@link #refresh(List)}. */
    public UserRefresh refreshOne(List<Session> sessions) throws OrtException {
        return refresh(List.of(sessions)).get(0);
    }

    private void refreshChunk(
            List<List<Session>> users,
            int[] chunk,
            EncodedSession[][] states,
            int[] memoryLen,
            int d,
            UserRefresh[] out)
            throws OrtException {
        int b = chunk.length;
        int maxMem = 0;
        int maxItems = 0;
        int[] itemCount = new int[b];
        for (int i = 0; i < b; i++) {
            itemCount[i] = users.get(chunk[i]).stream().mapToInt(s -> s.itemIds().size()).sum();
            maxMem = Math.max(maxMem, memoryLen[chunk[i]]);
            maxItems = Math.max(maxItems, itemCount[i]);
        }
        float[] memory = new float[b * maxMem * d]; // 3. FiD memory
        int[] chunkMemLen = new int[b];
        float[][] items = new float[b][]; // 2. [SOS] states
        for (int i = 0; i < b; i++) {
            List<Session> sessions = users.get(chunk[i]);
            items[i] = new float[itemCount[i] * d];
            int row = 0;
            int item = 0;
            for (int j = 0; j < sessions.size(); j++) {
                Session s = sessions.get(j);
                EncodedSession e = states[chunk[i]][j];
                System.arraycopy(e.states(), 0, memory, (i * maxMem + row) * d, e.states().length);
                row += e.length();
                for (int pos : s.sosPositions()) {
                    e.copyRow(pos, items[i], item++ * d);
                }
            }
            chunkMemLen[i] = row;
        }
        List<GreedyDecoder.Decoded> decoded = decoder.decode(memory, chunkMemLen, maxMem); // 4.

        float[] z = new float[b * (maxItems + 1) * d]; // 5. Z, z_mask
        long[] zMask = new long[b * (maxItems + 1)];
        for (int i = 0; i < b; i++) {
            int k = items[i].length / d;
            int base = i * (maxItems + 1);
            System.arraycopy(items[i], 0, z, base * d, items[i].length);
            System.arraycopy(decoded.get(i).globalVector(), 0, z, (base + k) * d, d);
            Arrays.fill(zMask, base, base + k + 1, 1L);
        }
        float[] upe;
        OnnxTensor zTensor = Tensors.floats(graphs.env, z, b, maxItems + 1, d);
        OnnxTensor maskTensor = null;
        try {
            maskTensor = Tensors.longs(graphs.env, zMask, b, maxItems + 1);
            try (OrtSession.Result r =
                    graphs.userHead.run(Map.of("z", zTensor, "z_mask", maskTensor))) {
                upe = Tensors.floatsOf(r, "upe"); // [B, m, d]
            }
        } finally {
            Tensors.closeAll(maskTensor, zTensor);
        }
        int upeSize = shape.m() * d;
        for (int i = 0; i < b; i++) {
            GreedyDecoder.Decoded dec = decoded.get(i);
            out[chunk[i]] =
                    new UserRefresh(
                            Arrays.copyOfRange(upe, i * upeSize, (i + 1) * upeSize),
                            dec.summaryIds(),
                            tokenizer.decode(dec.summaryIds()),
                            dec.globalVector(),
                            items[i],
                            users.get(chunk[i]).size());
        }
    }

    /**
     * Content Poly-Embeddings of items: {@code contentTokens.get(i)} = item tokens + {@code </s>}
     * ({@link ItemFormatter#contentTokens}). Batched by length like the session encoder.
     */
    public List<EncodedContent> embedContents(List<int[]> contentTokens) throws OrtException {
        int d = shape.dModel();
        int n = shape.n();
        Integer[] order = IntStream.range(0, contentTokens.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt(i -> contentTokens.get(i).length));
        EncodedContent[] out = new EncodedContent[contentTokens.size()];
        int start = 0;
        while (start < order.length) {
            int end = start + 1;
            while (end < order.length
                    && (long) (end + 1 - start) * contentTokens.get(order[end]).length
                            <= options.encoderTokenBudget()) {
                end++;
            }
            List<int[]> rows = new ArrayList<>(end - start);
            for (int i = start; i < end; i++) {
                rows.add(contentTokens.get(order[i]));
            }
            OnnxTensor[] idsMask = Tensors.paddedIdsAndMask(graphs.env, rows, shape.padId());
            try (OrtSession.Result r =
                    graphs.contentEncoder.run(
                            Map.of("content_ids", idsMask[0], "content_mask", idsMask[1]))) {
                float[] cpe = Tensors.floatsOf(r, "cpe");
                float[] key = Tensors.floatsOf(r, "cpe_key");
                int size = n * d;
                for (int i = 0; i < rows.size(); i++) {
                    out[order[start + i]] =
                            new EncodedContent(
                                    Arrays.copyOfRange(cpe, i * size, (i + 1) * size),
                                    Arrays.copyOfRange(key, i * size, (i + 1) * size));
                }
            } finally {
                Tensors.closeAll(idsMask);
            }
            start = end;
        }
        return List.of(out);
    }

    public String modelVersion() {
        return bundle.modelVersion();
    }

    /** The verified bundle this runtime runs. */
    public ModelBundle bundle() {
        return bundle;
    }

    /** d_model: the width of every UPE/CPE row. */
    public int dim() {
        return shape.dModel();
    }

    /** UPE rows m. */
    public int upeCodes() {
        return shape.m();
    }

    /** CPE rows n. */
    public int cpeCodes() {
        return shape.n();
    }

    /** The greedy decoding cap in use. */
    public int summaryCap() {
        return summaryCap;
    }

    /** The bundle's tokenizer (owned by this runtime). */
    public T5Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The bundle's text contract. */
    public TextContract contract() {
        return contract;
    }

    /** The provider in use: CPU after a CUDA fallback. */
    public ExecutionProvider provider() {
        return graphs.provider();
    }

    public CacheStats cacheStats() {
        return encoder.cacheStats();
    }

    /** Empties the encoder-output cache (benchmarks of the full refresh). */
    public void clearCache() {
        encoder.clearCache();
    }

    @Override
    public void close() {
        graphs.close();
        tokenizer.close();
        if (ownsBundle) {
            bundle.close();
        }
    }
}
