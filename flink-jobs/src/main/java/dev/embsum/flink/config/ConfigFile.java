package dev.embsum.flink.config;

import dev.embsum.flink.InvalidConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A {@code --config} file: {@code key: value} or {@code key=value} per line (the first ':' or '='
 * separates), optionally quoted values, blank lines and {@code #} comments.
 */
final class ConfigFile {

    /**
     * What a key in a config file looks like (every declared and Kafka key is lower case); other
     * text before a ':' or '=' is not echoed as a key, since it may be part of a secret value.
     */
    private static final Pattern KEY_SYNTAX = Pattern.compile("[a-z0-9._-]+");

    private ConfigFile() {}

    /**
     * The settings of {@code file}, in file order, not yet checked against any job.
     *
     * @throws InvalidConfigException for a file that cannot be read or a line that is no setting
     */
    static List<Setting> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidConfigException(
                    "cannot read the configuration file "
                            + file.toAbsolutePath()
                            + ": "
                            + e.getMessage()
                            + " (check the --config path)",
                    e);
        }
        List<Setting> settings = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            int eq = line.indexOf('=');
            int sep = colon < 0 ? eq : eq < 0 ? colon : Math.min(colon, eq);
            String origin = "file " + file + " line " + (n + 1);
            // The line itself is never echoed: a value spread over several lines (a PEM key,
            // say) would put secret text into the error and the logs.
            String key = sep <= 0 ? "" : line.substring(0, sep).strip();
            if (!KEY_SYNTAX.matcher(key).matches()) {
                throw new InvalidConfigException(
                        origin
                                + " ("
                                + line.length()
                                + " characters, not shown) is not 'key: value' or 'key=value'"
                                + " with a key of lower-case letters, digits, '.', '-' and '_'; values must"
                                + " fit on one line");
            }
            settings.add(new Setting(key, unquote(line.substring(sep + 1).strip()), origin));
        }
        return settings;
    }

    private static String unquote(String v) {
        if (v.length() >= 2
                && (v.startsWith("\"") && v.endsWith("\"")
                        || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
