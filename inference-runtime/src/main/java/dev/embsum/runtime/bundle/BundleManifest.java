package dev.embsum.runtime.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.embsum.runtime.text.TextContract;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The typed, validated content of a bundle's {@code manifest.json} (docs/model-bundle.md section
 * 2). Immutable.
 *
 * <p>{@link #parse(byte[], String)} refuses any other format than {@value #FORMAT} version {@value
 * #FORMAT_VERSION}, and every missing, ill-typed or inconsistent field, naming {@code
 * manifest.json} and the field's path. It checks what the Python reference ({@code
 * embsum_export.manifest.validate_manifest}) checks, so a manifest one side accepts the other
 * accepts too, plus the syntax of names and checksums. It reads no other file: whether the files
 * exist and match is {@link ModelBundle}'s job.
 *
 * <p>The constructor reads the fields in manifest order; {@code ManifestNode} types one JSON value
 * and reports it by path, {@code ManifestReader} holds the rules about the document as a whole and
 * about fields that span several values.
 */
public final class BundleManifest {

    /** The manifest's file name at the top of every bundle. */
    public static final String FILE = "manifest.json";

    /** The only {@code format} this loader reads. */
    public static final String FORMAT = "embsum-model-bundle";

    /** The only {@code format_version} this loader reads. */
    public static final int FORMAT_VERSION = 1;

    /** The shared ONNX external-data file that every graph references. */
    public static final String WEIGHTS_FILE = "weights.bin";

    /** The graphs every bundle has ({@code onnx.graphs}); graph {@code g} is {@code g.onnx}. */
    public static final List<String> GRAPH_NAMES =
            List.of(
                    "session_encoder",
                    "decoder_first",
                    "decoder_step",
                    "user_head",
                    "content_encoder");

    private final JsonNode document;
    private final String modelVersion;
    private final Instant createdAt;
    private final boolean untrained;
    private final TrainingStatus trainingStatus;
    private final TeacherKind teacherKind;
    private final int dModel;
    private final int numLayers;
    private final int numDecoderLayers;
    private final int numHeads;
    private final int dKv;
    private final int vocabSize;
    private final int m;
    private final int n;
    private final int historySize;
    private final int sessionSize;
    private final int sessionMaxTokens;
    private final int maxSummaryTokens;
    private final int sosId;
    private final int eosId;
    private final int padId;
    private final int decoderStartId;
    private final int unkId;
    private final JsonNode text;
    private final String tokenizerFile;
    private final String tokenizerSha256;
    private final String goldenIndex;
    private final double goldenAbsTolerance;
    private final double goldenRelTolerance;
    private final Map<String, GraphSpec> graphs;
    private final Map<String, FileEntry> files;

    /** {@code teacher.kind} (lower case in the manifest): where training summaries came from. */
    public enum TeacherKind {
        /** Summaries written by an LLM teacher. */
        LLM,
        /** The offline fallback: summaries built from a template. */
        TEMPLATE,
        /** No summary supervision. */
        NONE
    }

    /** {@code training.status} (lower case in the manifest); agrees with {@link #untrained()}. */
    public enum TrainingStatus {
        /** Exported from a training checkpoint. */
        TRAINED,
        /** Exported from random weights ({@code --random-init}): for tests and demos only. */
        UNTRAINED
    }

    private BundleManifest(ManifestNode root) throws BundleException {
        document = root.value();
        ManifestReader.requireFormat(root);
        modelVersion = ManifestReader.modelVersion(root);
        createdAt = ManifestReader.createdAt(root);
        untrained = root.bool("untrained");

        ManifestNode model = root.object("model");
        // Required, but only the dims below are typed; json() has the rest.
        model.object("embsum_config");
        model.object("t5_config");
        dModel = model.integer("d_model", 1);
        numLayers = model.integer("num_layers", 1);
        numDecoderLayers = model.integer("num_decoder_layers", 1);
        numHeads = model.integer("num_heads", 1);
        dKv = model.integer("d_kv", 1);
        vocabSize = model.integer("vocab_size", 1);

        m = root.integer("m", 1);
        n = root.integer("n", 1);
        historySize = root.integer("H", 1);
        sessionSize = root.integer("p", 1);
        sessionMaxTokens = root.integer("l", 1);
        maxSummaryTokens = root.integer("max_summary_tokens", 1);

        ManifestNode special = root.object("special_tokens");
        sosId = special.integer("sos_id", 0);
        eosId = special.integer("eos_id", 0);
        padId = special.integer("pad_id", 0);
        decoderStartId = special.integer("decoder_start_id", 0);
        unkId = special.integer("unk_id", 0);

        ManifestNode textNode = root.object("text");
        text = textNode.value();
        checkTextAgrees(textNode);

        ManifestNode tokenizer = root.object("tokenizer");
        tokenizerFile = tokenizer.relativeFile("file");
        tokenizerSha256 = tokenizer.sha256("sha256");

        graphs = ManifestReader.graphs(root.object("onnx"));

        ManifestNode training = root.object("training");
        trainingStatus = training.oneOf("status", TrainingStatus.values());
        // Required, possibly empty ("never invented"); for humans and dashboards, via json().
        training.object("data");
        training.object("metrics");
        if ((trainingStatus == TrainingStatus.UNTRAINED) != untrained) {
            throw training.field("status")
                    .invalid(
                            "is \""
                                    + training.string("status")
                                    + "\" but untrained is "
                                    + untrained
                                    + "; they must agree");
        }
        teacherKind = root.object("teacher").oneOf("kind", TeacherKind.values());

        ManifestNode golden = root.object("golden");
        goldenIndex = golden.relativeFile("index");
        ManifestNode tolerance = golden.object("tolerance");
        goldenAbsTolerance = tolerance.nonNegativeNumber("abs");
        goldenRelTolerance = tolerance.nonNegativeNumber("rel");

        files = ManifestReader.files(root);
        ManifestReader.requireListed(root, files, tokenizerFile, "tokenizer.file");
        ManifestReader.requireListed(root, files, goldenIndex, "golden.index");
        ManifestReader.requireListed(
                root, files, WEIGHTS_FILE, "the shared weights of every graph");
        for (Map.Entry<String, GraphSpec> graph : graphs.entrySet()) {
            ManifestReader.requireListed(
                    root,
                    files,
                    graph.getValue().file(),
                    "onnx.graphs." + graph.getKey() + ".file");
        }
    }

    /**
     * Parses and validates the bytes of a manifest.json.
     *
     * @param manifestJson the file's content (UTF-8 JSON)
     * @param source the bundle the manifest belongs to, for error messages
     * @throws BundleException naming {@code manifest.json} and, for a field problem, its path
     */
    public static BundleManifest parse(byte[] manifestJson, String source) throws BundleException {
        return new BundleManifest(ManifestReader.root(manifestJson, source));
    }

    /** The whole manifest as parsed, including the fields this class does not type (a copy). */
    public JsonNode json() {
        return document.deepCopy();
    }

    /** {@code model_version}: names the bundle and equals {@code ModelRelease.model_version}. */
    public String modelVersion() {
        return modelVersion;
    }

    /** {@code created_at}, the export time (UTC, whole seconds). */
    public Instant createdAt() {
        return createdAt;
    }

    /** {@code untrained}: random weights; never serve such a bundle in production. */
    public boolean untrained() {
        return untrained;
    }

    /** {@code training.status}. */
    public TrainingStatus trainingStatus() {
        return trainingStatus;
    }

    /** {@code teacher.kind}. */
    public TeacherKind teacherKind() {
        return teacherKind;
    }

    /** {@code model.d_model}, d: the width of every embedding row. */
    public int dModel() {
        return dModel;
    }

    /** {@code model.num_layers}: encoder layers. */
    public int numLayers() {
        return numLayers;
    }

    /** {@code model.num_decoder_layers}: the decoder's layers, one past/present group each. */
    public int numDecoderLayers() {
        return numDecoderLayers;
    }

    /** {@code model.num_heads}. */
    public int numHeads() {
        return numHeads;
    }

    /** {@code model.d_kv}: the width of one attention head. */
    public int dKv() {
        return dKv;
    }

    /** {@code model.vocab_size}. */
    public int vocabSize() {
        return vocabSize;
    }

    /** {@code m}: UPE codes, the rows of a user embedding. */
    public int m() {
        return m;
    }

    /** {@code n}: CPE codes, the rows of a content embedding. */
    public int n() {
        return n;
    }

    /** {@code H}: history window (equals {@code text.H}). */
    public int historySize() {
        return historySize;
    }

    /** {@code p}: items per session (equals {@code text.p}). */
    public int sessionSize() {
        return sessionSize;
    }

    /** {@code l}: token limit of one session (equals {@code text.l}). */
    public int sessionMaxTokens() {
        return sessionMaxTokens;
    }

    /** {@code max_summary_tokens}: the greedy decoding cap, {@code </s>} included. */
    public int maxSummaryTokens() {
        return maxSummaryTokens;
    }

    /** {@code special_tokens.sos_id}, [SOS]. */
    public int sosId() {
        return sosId;
    }

    /** {@code special_tokens.eos_id}, {@code </s>}. */
    public int eosId() {
        return eosId;
    }

    /** {@code special_tokens.pad_id}. */
    public int padId() {
        return padId;
    }

    /** {@code special_tokens.decoder_start_id}: the first decoder input. */
    public int decoderStartId() {
        return decoderStartId;
    }

    /** {@code special_tokens.unk_id}. */
    public int unkId() {
        return unkId;
    }

    /**
     * The {@code text} object (a copy), for {@link TextContract#fromJson(JsonNode)}; parsing
     * already checked that it is a valid contract that agrees with H, p, l and the special ids.
     */
    public JsonNode text() {
        return text.deepCopy();
    }

    /** {@code tokenizer.file}, relative to the bundle ({@code tokenizer.json}). */
    public String tokenizerFile() {
        return tokenizerFile;
    }

    /** {@code tokenizer.sha256}, the SHA-256 of {@link #tokenizerFile()}. */
    public String tokenizerSha256() {
        return tokenizerSha256;
    }

    /** {@code golden.index}, relative to the bundle ({@code golden/index.json}). */
    public String goldenIndex() {
        return goldenIndex;
    }

    /** {@code golden.tolerance.abs}: runtime vs golden may differ by abs + rel × |golden|. */
    public double goldenAbsTolerance() {
        return goldenAbsTolerance;
    }

    /** {@code golden.tolerance.rel}: runtime vs golden may differ by abs + rel × |golden|. */
    public double goldenRelTolerance() {
        return goldenRelTolerance;
    }

    /** {@code onnx.graphs} by graph name, in manifest order; has every {@link #GRAPH_NAMES}. */
    public Map<String, GraphSpec> graphs() {
        return graphs;
    }

    /** {@code files}: every file of the bundle except manifest.json, in manifest order. */
    public Map<String, FileEntry> files() {
        return files;
    }

    /** H, p, l and the special ids appear twice; the copies must agree. */
    private void checkTextAgrees(ManifestNode textNode) throws BundleException {
        TextContract contract;
        try {
            contract = TextContract.fromJson(text);
        } catch (IllegalArgumentException e) {
            throw textNode.invalid("is not a valid text contract: " + e.getMessage());
        }
        ManifestReader.requireTextAgrees(textNode, "H", historySize, contract.historySize());
        ManifestReader.requireTextAgrees(textNode, "p", sessionSize, contract.sessionSize());
        ManifestReader.requireTextAgrees(
                textNode, "l", sessionMaxTokens, contract.sessionMaxTokens());
        ManifestReader.requireTextAgrees(textNode, "sos_id", sosId, contract.sosId());
        ManifestReader.requireTextAgrees(textNode, "eos_id", eosId, contract.eosId());
        ManifestReader.requireTextAgrees(textNode, "pad_id", padId, contract.padId());
        ManifestReader.requireTextAgrees(textNode, "unk_id", unkId, contract.unkId());
    }
}
