package dev.embsum.runtime.bundle;

import static dev.embsum.runtime.bundle.BundleManifest.FILE;
import static dev.embsum.runtime.bundle.BundleManifest.FORMAT;
import static dev.embsum.runtime.bundle.BundleManifest.FORMAT_VERSION;
import static dev.embsum.runtime.bundle.BundleManifest.GRAPH_NAMES;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.embsum.runtime.bundle.internal.BundlePaths;
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
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The parts of reading manifest.json that {@link BundleManifest}'s field-by-field constructor hands
 * off: the JSON document itself, the format header, and the fields whose rules span more than one
 * JSON value ({@code created_at}, the {@code text} copies, {@code onnx.graphs}, {@code files}).
 * Every failure is a {@link BundleException} naming {@code manifest.json}.
 */
final class ManifestReader {

    private static final Pattern MODEL_VERSION =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
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

    private ManifestReader() {}

    /** The document root of the bytes of a manifest.json, which must be a JSON object. */
    static ManifestNode root(byte[] manifestJson, String source) throws BundleException {
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
        return ManifestNode.root(document, source);
    }

    /** {@code format} and {@code format_version}: the only ones this loader reads. */
    static void requireFormat(ManifestNode root) throws BundleException {
        String format = root.string("format");
        if (!format.equals(FORMAT)) {
            throw new BundleException(
                    root.source(),
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
                    root.source(),
                    FILE,
                    "format_version "
                            + formatVersion
                            + " is not supported: this loader reads version "
                            + FORMAT_VERSION
                            + " (use a runtime built for that bundle format, or re-export the bundle)");
        }
    }

    static String modelVersion(ManifestNode root) throws BundleException {
        String modelVersion = root.string("model_version");
        if (!MODEL_VERSION.matcher(modelVersion).matches()) {
            throw new BundleException(
                    root.source(),
                    FILE,
                    "model_version \""
                            + modelVersion
                            + "\" must be 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or"
                            + " digit (it names the bundle directory and archive)");
        }
        return modelVersion;
    }

    static Instant createdAt(ManifestNode root) throws BundleException {
        String createdAt = root.string("created_at");
        try {
            return LocalDateTime.parse(createdAt, CREATED_AT).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new BundleException(
                    root.source(),
                    FILE,
                    "created_at \""
                            + createdAt
                            + "\" is not a UTC time of the form YYYY-MM-DDTHH:MM:SSZ");
        }
    }

    /** One of the values that {@code text} repeats ({@code inText}) equals the manifest's own. */
    static void requireTextAgrees(ManifestNode textNode, String key, int outside, int inText)
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

    static Map<String, GraphSpec> graphs(ManifestNode onnx) throws BundleException {
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
            String file = graph.relativeFile("file");
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

    static Map<String, FileEntry> files(ManifestNode root) throws BundleException {
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
            files.put(path, new FileEntry(file.sha256("sha256"), file.nonNegativeLong("bytes")));
        }
        return Collections.unmodifiableMap(files);
    }

    /** {@code file}, which another field names ({@code why}), has an entry in {@code files}. */
    static void requireListed(
            ManifestNode root, Map<String, FileEntry> files, String file, String why)
            throws BundleException {
        if (!files.containsKey(file)) {
            throw root.object("files").invalid("has no entry for \"" + file + "\" (" + why + ")");
        }
    }
}
