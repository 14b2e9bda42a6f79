package dev.embsum.runtime.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The T5 SentencePiece tokenizer, loaded from one local {@code tokenizer.json} with the Hugging
 * Face {@code tokenizers} library (DJL binding), so that Java and Python run the very same
 * normalisation, pre-tokenisation and Unigram code (docs/text-contract.md section 1).
 *
 * <p>{@link #encode(String)} applies the contract's rules: no special tokens are added, nothing is
 * truncated or padded, and every id that the text itself produces which is a special token ({@code
 * <pad>}, {@code </s>}, the sentinels {@code <extra_id_*>}) becomes {@code <unk>}. That stops a
 * title containing {@code "</s>"} or {@code "<extra_id_0>"} from forging an end of sequence or an
 * [SOS] marker.
 *
 * <p><b>Offline.</b> Loading never touches the network: the file is read from disk, and before DJL
 * is first used this class sets the system properties {@code ai.djl.offline=true} and {@code
 * OPT_OUT_TRACKING=true} unless they were set explicitly. Without them DJL 0.38 (a) pings the EC2
 * metadata endpoint and a telemetry URL on every {@code newInstance} call, and (b) on a machine
 * where it detects CUDA, looks for a CUDA build of its native library, which the jar does not
 * contain, and downloads it. In offline mode it always uses the CPU build bundled in the jar,
 * extracted once to {@code ~/.djl.ai/tokenizers} (relocate with {@code ENGINE_CACHE_DIR}).
 *
 * <p><b>Threads.</b> Instances are safe to share between threads. Encoding is serialised by a lock:
 * the Rust tokenizer would tolerate concurrent reads, but DJL's JNI glue hands every call a mutable
 * alias of the same native object, and a {@link #close()} racing an encode would free memory in
 * use. Encoding an item costs tens of microseconds, so for parallel throughput give each worker
 * (Flink subtask) its own instance rather than share one.
 */
public final class T5Tokenizer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(T5Tokenizer.class);

    /** Token string of the id that replaces injected special tokens. */
    public static final String UNK_TOKEN = "<unk>";

    static {
        keepDjlOffline();
    }

    private final Path path;
    private final String sha256;
    private final int unkId;
    private final BitSet injectableSpecialIds;
    private final Object lock = new Object();
    private HuggingFaceTokenizer tokenizer; // null once closed; guarded by lock

    private T5Tokenizer(
            Path path,
            String sha256,
            int unkId,
            BitSet injectableSpecialIds,
            HuggingFaceTokenizer tokenizer) {
        this.path = path;
        this.sha256 = sha256;
        this.unkId = unkId;
        this.injectableSpecialIds = injectableSpecialIds;
        this.tokenizer = tokenizer;
    }

    /**
     * Loads a tokenizer from a local {@code tokenizer.json} file.
     *
     * @throws IOException if the file is missing, unreadable, or not a Hugging Face tokenizer.json
     *     with an {@code <unk>} token (the message names the path)
     */
    public static T5Tokenizer load(Path tokenizerJson) throws IOException {
        Path file = tokenizerJson.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(
                    file.toString(),
                    null,
                    "tokenizer.json not found (expected models/t5-small-tokenizer/tokenizer.json"
                            + " or the model bundle's tokenizer.json)");
        }
        byte[] bytes = Files.readAllBytes(file);

        // Read the special tokens ourselves: they define the injection rule, and a parse here
        // gives a clear error for a file that is not a tokenizer.json at all.
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(bytes);
        } catch (IOException e) {
            throw new IOException("Not a tokenizer.json (invalid JSON): " + file, e);
        }
        if (root == null
                || !root.isObject()
                || !root.path("model").isObject()
                || !root.path("added_tokens").isArray()) {
            throw new IOException(
                    "Not a Hugging Face tokenizer.json (needs 'model' and"
                            + " 'added_tokens'): "
                            + file);
        }
        int unkId = -1;
        BitSet specials = new BitSet();
        for (JsonNode token : root.get("added_tokens")) {
            int id = token.path("id").asInt(-1);
            String content = token.path("content").asText("");
            if (UNK_TOKEN.equals(content)) {
                unkId = id;
            } else if (token.path("special").asBoolean(false) && id >= 0) {
                specials.set(id);
            }
        }
        if (unkId < 0) {
            throw new IOException("tokenizer.json has no " + UNK_TOKEN + " token: " + file);
        }

        // addSpecialTokens=false: T5's post-processor would append </s>; the contract adds
        // </s> itself, only where it belongs. Truncation and padding off: limits are applied
        // to token ids per field by ItemFormatter, never by the tokenizer.
        Map<String, String> options =
                Map.of(
                        "addSpecialTokens", "false",
                        "truncation", "false",
                        "padding", "false");
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(file, options);
        } catch (RuntimeException e) {
            throw new IOException("Cannot load tokenizer.json " + file + ": " + e.getMessage(), e);
        }
        return new T5Tokenizer(file, sha256Hex(bytes), unkId, specials, hf);
    }

    /**
     * Token ids of {@code text} under the contract: no added special tokens, no truncation, and
     * special ids produced by the text replaced by {@link #unkId()}.
     */
    public int[] encode(String text) {
        int[] ids = encodeRaw(text);
        for (int i = 0; i < ids.length; i++) {
            if (injectableSpecialIds.get(ids[i])) {
                ids[i] = unkId;
            }
        }
        return ids;
    }

    /**
     * Token ids exactly as the tokenizer produces them, special ids included. For diagnostics and
     * tests; item text must go through {@link #encode(String)}.
     */
    public int[] encodeRaw(String text) {
        if (text == null) {
            throw new NullPointerException("text");
        }
        Encoding encoding;
        synchronized (lock) {
            if (tokenizer == null) {
                throw new IllegalStateException("tokenizer is closed: " + path);
            }
            encoding = tokenizer.encode(text, false, false);
        }
        long[] raw = encoding.getIds();
        int[] ids = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            ids[i] = Math.toIntExact(raw[i]);
        }
        return ids;
    }

    /**
     * Text of {@code ids} with special tokens ({@code </s>}, padding, [SOS]) dropped: how a greedy
     * summary becomes the published summary text (the same Rust decoder as Python's).
     */
    public String decode(int[] ids) {
        long[] raw = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            raw[i] = ids[i];
        }
        synchronized (lock) {
            if (tokenizer == null) {
                throw new IllegalStateException("tokenizer is closed: " + path);
            }
            return tokenizer.decode(raw, true);
        }
    }

    /** The id of {@code <unk>} in this tokenizer (2 for T5). */
    public int unkId() {
        return unkId;
    }

    /** Whether the text-produced {@code id} is a special token that {@link #encode} replaces. */
    public boolean isReplacedSpecialId(int id) {
        return id >= 0 && injectableSpecialIds.get(id);
    }

    /** Lower-case hex sha256 of the tokenizer.json bytes, to check against manifests/goldens. */
    public String sha256() {
        return sha256;
    }

    /** The absolute path the tokenizer was loaded from. */
    public Path path() {
        return path;
    }

    /** Frees the native tokenizer. Idempotent; later encodes throw IllegalStateException. */
    @Override
    public void close() {
        synchronized (lock) {
            if (tokenizer != null) {
                tokenizer.close();
                tokenizer = null;
            }
        }
    }

    @Override
    public String toString() {
        return "T5Tokenizer[" + path + ", sha256=" + sha256 + "]";
    }

    private static void keepDjlOffline() {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        } else if (!Boolean.parseBoolean(
                System.getProperty("ai.djl.offline", System.getenv("DJL_OFFLINE")))) {
            LOG.warn("DJL offline mode was disabled explicitly; DJL may try to reach the network");
        }
        if (System.getProperty("OPT_OUT_TRACKING") == null
                && System.getenv("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }
}
