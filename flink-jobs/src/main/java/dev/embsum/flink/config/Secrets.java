package dev.embsum.flink.config;

import java.util.Locale;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

/** Which settings are secret, and how values are shown so that secrets never are. */
final class Secrets {

    private static final String HIDDEN = "(hidden)";

    private Secrets() {}

    /** See {@link JobSettings#isSecret}. */
    static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password")
                || k.contains("passphrase")
                || k.contains("jaas")
                || k.contains("secret")
                || k.contains("token")
                || k.contains("credential")
                || k.endsWith(".key")
                || GlobalConfiguration.isSensitive(key); // never weaker than Flink's own masking
    }

    /** {@code value} as logs and messages may show it. */
    static String shown(String key, String value) {
        return isSecret(key) ? HIDDEN : value;
    }

    /**
     * A Configuration whose {@code toString} hides secrets; Flink's own hides passwords and JAAS
     * settings but not, e.g., {@code ssl.keystore.key}.
     */
    static final class MaskedConfiguration extends Configuration {
        private static final long serialVersionUID = 1L;

        @Override
        public String toString() {
            return new TreeMap<>(toMap())
                    .entrySet().stream()
                            .map(e -> e.getKey() + "=" + shown(e.getKey(), e.getValue()))
                            .collect(Collectors.joining(", ", "{", "}"));
        }
    }
}
