package dev.embsum.runtime.bundle;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.embsum.runtime.bundle.internal.BundlePaths;
import dev.embsum.runtime.text.TextContract;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

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

    private static final Pattern MODEL_VERSION =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final DateTimeFormatter CREATED_AT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'")
                    .withResolverStyle(ResolverStyle.STRICT);
    // Duplicate keys would let two readers see two different manifests; trailing content means
    // the file is not what the exporter wrote.
    private static final JsonMapper JSON =
            JsonMapper.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .build();

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

    private BundleManifest(JsonNode document, String source) throws BundleException {
        ManifestNode root = ManifestNode.root(document, source);
        this.document = document;

        String format = root.string("format");
        if (!format.equals(FORMAT)) {
            throw new BundleException(
                    source,
                    FILE,
                    "format is \""
                            + format
                            + "\", expected \""
                            + FORMAT
                            + "\": not an EmbSum model bundle manifest");
        }
        int formatVersion = root.integer("format_version", 0);
        if (formatVersion != FORMAT_VERSION) {
            throw new BundleException(
                    source,
                    FILE,
                    "format_version "
                            + formatVersion
                            + " is not supported: this loader reads version "
                            + FORMAT_VERSION
                            + " (use a runtime built for that bundle format, or re-export the bundle)");
        }
        modelVersion = root.string("model_version");
        if (!MODEL_VERSION.matcher(modelVersion).matches()) {
            throw new BundleException(
                    source,
                    FILE,
                    "model_version \""
                            + modelVersion
                            + "\" must be 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or"
                            + " digit (it names the bundle directory and archive)");
        }
        createdAt = parseCreatedAt(root, source);
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
        tokenizerFile = relativeFile(tokenizer, "file");
        tokenizerSha256 = sha256(tokenizer, "sha256");

        graphs = parseGraphs(root.object("onnx"));

        ManifestNode training = root.object("training");
        trainingStatus = parseEnum(training, "status", TrainingStatus.values());
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
        teacherKind = parseEnum(root.object("teacher"), "kind", TeacherKind.values());

        ManifestNode golden = root.object("golden");
        goldenIndex = relativeFile(golden, "index");
        ManifestNode tolerance = golden.object("tolerance");
        goldenAbsTolerance = tolerance.nonNegativeNumber("abs");
        goldenRelTolerance = tolerance.nonNegativeNumber("rel");

        files = parseFiles(root);
        requireListed(root, tokenizerFile, "tokenizer.file");
        requireListed(root, goldenIndex, "golden.index");
        requireListed(root, WEIGHTS_FILE, "the shared weights of every graph");
        for (Map.Entry<String, GraphSpec> graph : graphs.entrySet()) {
            requireListed(root, graph.getValue().file(), "onnx.graphs." + graph.getKey() + ".file");
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
        JsonNode document;
        try {
            document = JSON.readTree(manifestJson);
        } catch (JacksonException e) {
            throw new BundleException(
                    source,
                    FILE,
                    "is not valid JSON: "
                            + e.getOriginalMessage()
                            + (e.getLocation() == null
                                    ? ""
                                    : " at line "
                                            + e.getLocation().getLineNr()
                                            + ", column "
                                            + e.getLocation().getColumnNr()),
                    e);
        } catch (IOException e) {
            // readTree(byte[]) does no I/O; Jackson declares it all the same.
            throw new BundleException(source, FILE, "cannot be parsed: " + e, e);
        }
        return new BundleManifest(document, source);
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

    private static Instant parseCreatedAt(ManifestNode root, String source) throws BundleException {
        String createdAt = root.string("created_at");
        try {
            return LocalDateTime.parse(createdAt, CREATED_AT).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new BundleException(
                    source,
                    FILE,
                    "created_at \""
                            + createdAt
                            + "\" is not a UTC time of the form YYYY-MM-DDTHH:MM:SSZ");
        }
    }

    /** H, p, l and the special ids appear twice; the copies must agree. */
    private void checkTextAgrees(ManifestNode textNode) throws BundleException {
        TextContract contract;
        try {
            contract = TextContract.fromJson(text);
        } catch (IllegalArgumentException e) {
            throw textNode.invalid("is not a valid text contract: " + e.getMessage());
        }
        requireSame(textNode, "H", historySize, contract.historySize());
        requireSame(textNode, "p", sessionSize, contract.sessionSize());
        requireSame(textNode, "l", sessionMaxTokens, contract.sessionMaxTokens());
        requireSame(textNode, "sos_id", sosId, contract.sosId());
        requireSame(textNode, "eos_id", eosId, contract.eosId());
        requireSame(textNode, "pad_id", padId, contract.padId());
        requireSame(textNode, "unk_id", unkId, contract.unkId());
    }

    private static void requireSame(ManifestNode textNode, String key, int outside, int inText)
            throws BundleException {
        if (outside != inText) {
            throw textNode.invalid(
                    "has "
                            + key
                            + " = "
                            + inText
                            + " but the manifest's own "
                            + key
                            + " is "
                            + outside
                            + "; they must agree");
        }
    }

    private static Map<String, GraphSpec> parseGraphs(ManifestNode onnx) throws BundleException {
        onnx.integer("opset", 1);
        Map<String, ManifestNode> declared = onnx.objectMembers("graphs");
        Map<String, GraphSpec> graphs = new LinkedHashMap<>();
        for (String name : GRAPH_NAMES) {
            if (!declared.containsKey(name)) {
                throw onnx.object("graphs")
                        .invalid(
                                "has no graph \"" + name + "\" (a bundle has " + GRAPH_NAMES + ")");
            }
        }
        for (Map.Entry<String, ManifestNode> entry : declared.entrySet()) {
            ManifestNode graph = entry.getValue();
            String file = relativeFile(graph, "file");
            String expectedFile = entry.getKey() + ".onnx";
            if (GRAPH_NAMES.contains(entry.getKey()) && !file.equals(expectedFile)) {
                throw graph.invalid(
                        "names file \"" + file + "\", expected \"" + expectedFile + "\"");
            }
            graphs.put(
                    entry.getKey(),
                    new GraphSpec(
                            file, tensors(graph.array("inputs")), tensors(graph.array("outputs"))));
        }
        return Collections.unmodifiableMap(graphs);
    }

    private static List<TensorSpec> tensors(List<ManifestNode> declared) throws BundleException {
        List<TensorSpec> tensors = new ArrayList<>(declared.size());
        for (ManifestNode tensor : declared) {
            if (!tensor.value().isObject()) {
                throw tensor.invalid("must be an object {name, dtype, shape}");
            }
            List<Object> shape = new ArrayList<>();
            for (ManifestNode dim : tensor.array("shape")) {
                JsonNode value = dim.value();
                if (value.isTextual() && !value.textValue().isEmpty()) {
                    shape.add(value.textValue());
                } else if (value.isIntegralNumber()
                        && value.canConvertToLong()
                        && value.longValue() >= 0) {
                    shape.add(value.longValue());
                } else {
                    throw dim.invalid(
                            "must be a symbolic dim (a name) or a size >= 0, got " + value);
                }
            }
            tensors.add(new TensorSpec(tensor.string("name"), tensor.string("dtype"), shape));
        }
        return tensors;
    }

    private static Map<String, FileEntry> parseFiles(ManifestNode root) throws BundleException {
        Map<String, FileEntry> files = new LinkedHashMap<>();
        for (Map.Entry<String, ManifestNode> entry : root.objectMembers("files").entrySet()) {
            String path = entry.getKey();
            ManifestNode file = entry.getValue();
            if (!BundlePaths.isSafeRelative(path)) {
                throw file.invalid(
                        "names an unsafe path (absolute, or with an empty, '.' or"
                                + " '..' segment)");
            }
            if (path.equals(FILE)) {
                throw file.invalid("must not exist: manifest.json cannot hold its own checksum");
            }
            files.put(path, new FileEntry(sha256(file, "sha256"), file.nonNegativeLong("bytes")));
        }
        return Collections.unmodifiableMap(files);
    }

    private void requireListed(ManifestNode root, String file, String why) throws BundleException {
        if (!files.containsKey(file)) {
            throw root.object("files").invalid("has no entry for \"" + file + "\" (" + why + ")");
        }
    }

    private static String relativeFile(ManifestNode parent, String key) throws BundleException {
        String file = parent.string(key);
        if (!BundlePaths.isSafeRelative(file)) {
            throw parent.field(key)
                    .invalid("is \"" + file + "\", not a safe relative path inside the bundle");
        }
        return file;
    }

    private static String sha256(ManifestNode parent, String key) throws BundleException {
        String hex = parent.string(key);
        if (!SHA256_HEX.matcher(hex).matches()) {
            throw parent.field(key)
                    .invalid("is \"" + hex + "\", not a SHA-256 (64 lowercase hex digits)");
        }
        return hex;
    }

    private static <E extends Enum<E>> E parseEnum(ManifestNode parent, String key, E[] values)
            throws BundleException {
        String name = parent.string(key);
        List<String> allowed = new ArrayList<>();
        for (E value : values) {
            String jsonName = value.name().toLowerCase(Locale.ROOT);
            if (jsonName.equals(name)) {
                return value;
            }
            allowed.add(jsonName);
        }
        throw parent.field(key).invalid("is \"" + name + "\", expected one of " + allowed);
    }
}
