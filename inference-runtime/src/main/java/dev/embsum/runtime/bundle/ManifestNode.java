package dev.embsum.runtime.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.embsum.runtime.bundle.internal.BundlePaths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A JSON value of manifest.json together with its path in the document ({@code onnx.graphs.
 * decoder_step.inputs[2].shape}), so that every missing or ill-typed field is reported by path.
 * Each accessor reads a required child and fails with a {@link BundleException} naming {@code
 * manifest.json} and the child's path.
 *
 * @param value the JSON value itself; {@code null} for a missing child
 * @param path the value's path in the document, {@code ""} for the root
 * @param source the bundle the manifest belongs to, for error messages
 */
record ManifestNode(JsonNode value, String path, String source) {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_SHOWN_CHARS = 80;

    /** The document root, which must be a JSON object. */
    static ManifestNode root(JsonNode document, String source) throws BundleException {
        if (document == null || !document.isObject()) {
            throw new BundleException(
                    source,
                    BundleManifest.FILE,
                    "must be a JSON object, got " + describe(document));
        }
        return new ManifestNode(document, "", source);
    }

    /** A problem with this value: {@code "field '<path>' <problem>"}, naming manifest.json. */
    BundleException invalid(String problem) {
        return new BundleException(source, BundleManifest.FILE, "field '" + path + "' " + problem);
    }

    /** The required child {@code key}, of any type. */
    ManifestNode field(String key) throws BundleException {
        return child(key);
    }

    /** The required child {@code key}, a JSON object. */
    ManifestNode object(String key) throws BundleException {
        ManifestNode child = child(key);
        if (!child.value.isObject()) {
            throw child.invalid("must be a JSON object, got " + describe(child.value));
        }
        return child;
    }

    /** The members of the required object {@code key}, each a JSON object, in document order. */
    Map<String, ManifestNode> objectMembers(String key) throws BundleException {
        ManifestNode parent = object(key);
        Map<String, ManifestNode> members = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> member : parent.value.properties()) {
            ManifestNode child = parent.at(member.getKey(), member.getValue());
            if (!child.value.isObject()) {
                throw child.invalid("must be a JSON object, got " + describe(child.value));
            }
            members.put(member.getKey(), child);
        }
        return members;
    }

    /** The elements of the required array {@code key}. */
    List<ManifestNode> array(String key) throws BundleException {
        ManifestNode child = child(key);
        if (!child.value.isArray()) {
            throw child.invalid("must be a JSON array, got " + describe(child.value));
        }
        List<ManifestNode> elements = new ArrayList<>(child.value.size());
        for (int i = 0; i < child.value.size(); i++) {
            elements.add(new ManifestNode(child.value.get(i), child.path + "[" + i + "]", source));
        }
        return elements;
    }

    /** The required child {@code key}, a non-empty string. */
    String string(String key) throws BundleException {
        ManifestNode child = child(key);
        if (!child.value.isTextual() || child.value.textValue().isEmpty()) {
            throw child.invalid("must be a non-empty string, got " + describe(child.value));
        }
        return child.value.textValue();
    }

    /** The required child {@code key}, {@code true} or {@code false}. */
    boolean bool(String key) throws BundleException {
        ManifestNode child = child(key);
        if (!child.value.isBoolean()) {
            throw child.invalid("must be true or false, got " + describe(child.value));
        }
        return child.value.booleanValue();
    }

    /** The required child {@code key}, an integer in {@code [min, Integer.MAX_VALUE]}. */
    int integer(String key, int min) throws BundleException {
        ManifestNode child = child(key);
        if (!child.value.isIntegralNumber()
                || !child.value.canConvertToInt()
                || child.value.intValue() < min) {
            throw child.invalid("must be an integer >= " + min + ", got " + describe(child.value));
        }
        return child.value.intValue();
    }

    /** The required child {@code key}, an integer in {@code [0, Long.MAX_VALUE]}. */
    long nonNegativeLong(String key) throws BundleException {
        ManifestNode child = child(key);
        if (!child.value.isIntegralNumber()
                || !child.value.canConvertToLong()
                || child.value.longValue() < 0) {
            throw child.invalid("must be an integer >= 0, got " + describe(child.value));
        }
        return child.value.longValue();
    }

    /** The required child {@code key}, a finite number >= 0. */
    double nonNegativeNumber(String key) throws BundleException {
        ManifestNode child = child(key);
        if (!child.value.isNumber()
                || !Double.isFinite(child.value.doubleValue())
                || child.value.doubleValue() < 0) {
            throw child.invalid("must be a number >= 0, got " + describe(child.value));
        }
        return child.value.doubleValue();
    }

    /** The required child {@code key}, a safe path relative to the bundle directory. */
    String relativeFile(String key) throws BundleException {
        String file = string(key);
        if (!BundlePaths.isSafeRelative(file)) {
            throw field(key)
                    .invalid("is \"" + file + "\", not a safe relative path inside the bundle");
        }
        return file;
    }

    /** The required child {@code key}, a SHA-256 as 64 lowercase hex digits. */
    String sha256(String key) throws BundleException {
        String hex = string(key);
        if (!SHA256_HEX.matcher(hex).matches()) {
            throw field(key).invalid("is \"" + hex + "\", not a SHA-256 (64 lowercase hex digits)");
        }
        return hex;
    }

    /** The required child {@code key}, one of {@code values} by its lower-case name. */
    <E extends Enum<E>> E oneOf(String key, E[] values) throws BundleException {
        String name = string(key);
        List<String> allowed = new ArrayList<>();
        for (E constant : values) {
            String jsonName = constant.name().toLowerCase(Locale.ROOT);
            if (jsonName.equals(name)) {
                return constant;
            }
            allowed.add(jsonName);
        }
        throw field(key).invalid("is \"" + name + "\", expected one of " + allowed);
    }

    private ManifestNode child(String key) throws BundleException {
        JsonNode child = value.get(key);
        ManifestNode node = at(key, child);
        if (child == null) {
            throw node.invalid("is missing");
        }
        return node;
    }

    private ManifestNode at(String key, JsonNode child) {
        String childPath;
        if (IDENTIFIER.matcher(key).matches()) {
            childPath = path.isEmpty() ? key : path + "." + key;
        } else {
            // File names hold dots and slashes: files["golden/index.json"].
            childPath = path + "[\"" + key + "\"]";
        }
        return new ManifestNode(child, childPath, source);
    }

    /** A JSON value for an error message, cut to a readable length. */
    private static String describe(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "nothing";
        }
        String text = value.toString();
        return text.length() <= MAX_SHOWN_CHARS ? text : text.substring(0, MAX_SHOWN_CHARS) + "...";
    }
}
