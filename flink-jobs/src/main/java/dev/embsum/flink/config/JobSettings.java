package dev.embsum.flink.config;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.flink.InvalidConfigException;
import dev.embsum.flink.config.OptionGroup.Declared;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings of one job: which options it takes ({@link OptionGroup}s, e.g. the shared ones and
 * its own), and how they get into a Flink {@link Configuration}.
 *
 * <p>Sources, lowest precedence first: the defaults, a file given with {@code --config FILE}
 * ({@code key: value} or {@code key=value} per line, {@code #} comments), then {@code --key value}
 * flags. Every value is parsed when it is read: an unknown key or a value that does not parse is
 * refused up front with a message that names the key, where it came from and what a valid value
 * looks like, since a streaming job must not start with a typo silently replaced by a default. Keys
 * under {@value #PASS_THROUGH_PREFIX} are Kafka client properties, passed through unchecked (Kafka
 * validates them). Then the checks that span options run.
 *
 * <p>A config file may be shared by both jobs (the deployments mount one {@code job.conf}), so a
 * file may also hold the settings of the job named by {@link #sharingConfigFilesWith}: their values
 * are checked, then ignored. Flags and settings made in code must be this job's.
 *
 * <p>Values of secret-looking keys ({@link #isSecret}) never appear in descriptions, messages or
 * the returned Configuration's {@code toString}.
 */
@PublicEvolving
public final class JobSettings {

    /**
     * What a key in a config file looks like (every declared and Kafka key is lower case); other
     * text before a ':' or '=' is not echoed as a key, since it may be part of a secret value.
     */
    private static final java.util.regex.Pattern KEY_SYNTAX =
            java.util.regex.Pattern.compile("[a-z0-9._-]+");

    /**
     * Keys under this prefix are Kafka client properties, passed through with the prefix removed.
     */
    public static final String PASS_THROUGH_PREFIX = "kafka.";

    /** What --help and the README say about the keys under {@link #PASS_THROUGH_PREFIX}. */
    public static final String PASS_THROUGH_DESCRIPTION =
            "passed to every Kafka client with "
                    + PASS_THROUGH_PREFIX
                    + " removed (TLS, SASL, timeouts); values of keys that contain password, secret or jaas, or end in"
                    + " .key, are hidden in logs and --help";

    private static final String HIDDEN = "(hidden)";
    private static final Logger LOG = LoggerFactory.getLogger(JobSettings.class);

    private final String job;
    private final List<OptionGroup> groups;
    private final Map<String, Declared<?>> byKey;
    private final Map<String, JobDefault<?>> jobDefaults;
    private final Supplier<JobSettings> fileSibling;

    private JobSettings(
            String job,
            List<OptionGroup> groups,
            Map<String, JobDefault<?>> jobDefaults,
            Supplier<JobSettings> fileSibling) {
        this.job = job;
        this.groups = List.copyOf(groups);
        Map<String, Declared<?>> keys = new LinkedHashMap<>();
        for (OptionGroup g : groups) {
            for (Declared<?> d : g.options()) {
                if (keys.put(d.key(), d) != null) {
                    throw new IllegalStateException(d.key() + " is declared twice for " + job);
                }
            }
        }
        this.byKey = Collections.unmodifiableMap(keys);
        this.jobDefaults = Map.copyOf(jobDefaults);
        this.fileSibling = fileSibling;
    }

    /**
     * The settings of {@code job}: the options of {@code groups}, listed in that order. Create it
     * after the groups are filled (as the last field of the declaring class).
     */
    public static JobSettings of(String job, OptionGroup... groups) {
        return new JobSettings(job, List.of(groups), Map.of(), null);
    }

    /**
     * Gives this job its own default for a shared option: where the value is the shared default
     * (left unset, or set to it), it becomes {@code value}. Equal rather than unset so that a
     * shared file that spells out the other job's default (e.g. {@code kafka.group.id:
     * embsum-stream}) does not make the two jobs share it.
     */
    public <T> JobSettings withJobDefault(ConfigOption<T> option, T value) {
        Declared<T> d = declared(option);
        d.rule().check(value);
        Map<String, JobDefault<?>> defaults = new LinkedHashMap<>(jobDefaults);
        defaults.put(option.key(), new JobDefault<>(d, value));
        return new JobSettings(job, groups, defaults, fileSibling);
    }

    /**
     * Lets a config file also hold {@code otherJob}'s settings (checked, then ignored). A supplier,
     * because the two jobs' option classes name each other and must not need each other to
     * initialize.
     */
    public JobSettings sharingConfigFilesWith(Supplier<JobSettings> otherJob) {
        return new JobSettings(
                job, groups, jobDefaults, Objects.requireNonNull(otherJob, "otherJob"));
    }

    /** The job's name in messages and --help, e.g. "EmbSumJob". */
    public String job() {
        return job;
    }

    /** The option groups, in listing order. */
    public List<OptionGroup> groups() {
        return groups;
    }

    /** Every option of the job, in listing order. */
    public List<Declared<?>> options() {
        return List.copyOf(byKey.values());
    }

    /** This job's default of {@code option} (a {@link #withJobDefault} or the declared one). */
    public <T> T defaultValue(ConfigOption<T> option) {
        declared(option); // refuses a foreign option
        JobDefault<?> own = jobDefaults.get(option.key());
        return own == null ? option.defaultValue() : cast(own.value());
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value; // the JobDefault was made from this very option
    }

    /** Every default. */
    public Configuration defaults() {
        return builder().build();
    }

    /**
     * Parses command-line arguments: {@code --config FILE} (optional, read first) and {@code --key
     * value} flags, which win over the file wherever they stand.
     */
    public Configuration fromArgs(String... args) {
        Builder flags = builder(); // checks each flag as it is read
        List<Flag> given = new ArrayList<>();
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new InvalidConfigException(
                        "unexpected argument '"
                                + arg
                                + "': arguments are --key value pairs (e.g. --"
                                + exampleKey()
                                + ")");
            }
            if (i + 1 >= args.length) {
                throw new InvalidConfigException(
                        "flag " + arg + " has no value: give it as " + arg + " VALUE");
            }
            String key = arg.substring(2);
            String value = args[++i];
            if (key.equals("config")) {
                if (file != null) {
                    throw new InvalidConfigException(
                            "--config is given twice ("
                                    + file
                                    + " and "
                                    + value
                                    + "): give one file; flags override single keys");
                }
                file = Path.of(value);
            } else {
                Flag flag = new Flag(key, value, "flag --" + key);
                flags.set(flag.key(), flag.value(), flag.origin());
                given.add(flag);
            }
        }
        Builder merged = builder();
        if (file != null) {
            readFile(file, merged);
        }
        given.forEach(f -> merged.set(f.key(), f.value(), f.origin()));
        return merged.build();
    }

    /**
     * Reads {@code key: value} / {@code key=value} lines; blank lines and {@code #} comments are
     * skipped.
     */
    public Configuration fromFile(Path file) {
        Builder b = builder();
        readFile(file, b);
        return b.build();
    }

    private void readFile(Path file, Builder into) {
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
            into.accept(key, unquote(line.substring(sep + 1).strip()), origin, true);
        }
    }

    /**
     * Collects settings one by one, each checked when set; {@link Builder#build} checks the
     * combination.
     */
    public Builder builder() {
        return new Builder();
    }

    /**
     * Checks a Configuration made in code (or by {@link #fromArgs}) as the loader would: every key
     * is this job's or a pass-through, every value in range, the combination consistent. The jobs'
     * constructors call it, so no configuration reaches an operator unchecked.
     *
     * @return {@code conf}
     * @throws InvalidConfigException naming the first problem
     */
    public Configuration validate(Configuration conf) {
        String origin = "in the Configuration given to " + job;
        for (String key : new TreeMap<>(conf.toMap()).keySet()) {
            Declared<?> d = byKey.get(key);
            if (d != null) {
                try {
                    d.checkIn(conf);
                } catch (IllegalArgumentException e) {
                    throw badValue(key, conf.toMap().get(key), origin, d, e);
                }
            } else if (!isPassThrough(key)) {
                throw unknownKey(key, origin, false);
            }
        }
        groups.forEach(g -> g.checkCombination(conf));
        return conf;
    }

    /**
     * A copy of {@code conf} with this job's own defaults applied where it leaves a shared option
     * at the shared default (the archive's job name, group and transactional ids), as {@link
     * Builder#build} does for loaded settings. For a Configuration made in code.
     */
    public Configuration withJobDefaults(Configuration conf) {
        Configuration out = new MaskedConfiguration();
        out.addAll(conf);
        jobDefaults.values().forEach(d -> d.applyTo(out));
        return out;
    }

    /**
     * Every option with its value in {@code conf}, doc and default, one per line (for logs);
     * secrets hidden.
     */
    public String describe(Configuration conf) {
        List<String> lines = new ArrayList<>();
        for (Declared<?> d : byKey.values()) {
            lines.add(
                    String.format(
                            "%-34s %-16s %s (default %s)",
                            d.key(),
                            shown(d.key(), d.formatFrom(conf)),
                            d.description(),
                            formattedDefault(d)));
        }
        new TreeMap<>(conf.toMap())
                .forEach(
                        (k, v) -> {
                            if (!byKey.containsKey(k)) {
                                lines.add(
                                        String.format(
                                                "%-34s %-16s %s",
                                                k,
                                                shown(k, v),
                                                "Kafka client property (passed through)"));
                            }
                        });
        return String.join("\n", lines);
    }

    /** The --help text: usage, then every option with its default and doc. */
    public String help() {
        String shared =
                fileSibling == null
                        ? ""
                        : "\n\nA --config file may also hold "
                                + fileSibling.get().job()
                                + "'s settings (checked, then ignored), so both jobs can read one file.";
        return "usage: "
                + job
                + " [--config FILE] [--key value ...]\n\n"
                + "--config FILE: 'key: value' or 'key=value' lines, # comments; flags win over the file."
                + shared
                + "\n\n"
                + optionList();
    }

    /** Every option with its default and doc, one per line, then the pass-through keys. */
    public String optionList() {
        List<String> lines = new ArrayList<>();
        for (Declared<?> d : byKey.values()) {
            lines.add(
                    String.format(
                            "  %-34s %-18s %s", d.key(), formattedDefault(d), d.description()));
        }
        lines.add(
                String.format(
                        "  %-34s %-18s %s",
                        PASS_THROUGH_PREFIX + "*", "", PASS_THROUGH_DESCRIPTION));
        return String.join("\n", lines);
    }

    /** This job's default of {@code d}, as a file writes it. */
    public String formattedDefault(Declared<?> d) {
        JobDefault<?> own = jobDefaults.get(d.key());
        return own == null ? d.formattedDefault() : own.formatted();
    }

    /**
     * True for keys whose values must not be shown: anything with password, passphrase, secret,
     * token, credential or jaas in it, ending in {@code .key} (e.g. {@code kafka.ssl.keystore.key},
     * a PEM private key), or that Flink itself treats as sensitive.
     */
    public static boolean isSecret(String key) {
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
    private static String shown(String key, String value) {
        return isSecret(key) ? HIDDEN : value;
    }

    private static boolean isPassThrough(String key) {
        return key.startsWith(PASS_THROUGH_PREFIX) && key.length() > PASS_THROUGH_PREFIX.length();
    }

    private String exampleKey() {
        return byKey.values().stream()
                .filter(d -> !d.key().startsWith("topic."))
                .findFirst()
                .map(d -> d.key() + " " + formattedDefault(d))
                .orElse("key value");
    }

    @SuppressWarnings("unchecked")
    private <T> Declared<T> declared(ConfigOption<T> option) {
        Declared<?> d = byKey.get(option.key());
        if (d == null || !d.option().equals(option)) {
            throw new IllegalArgumentException(option.key() + " is not an option of " + job);
        }
        return (Declared<T>) d;
    }

    private InvalidConfigException badValue(
            String key, String value, String origin, Declared<?> d, Exception cause) {
        return new InvalidConfigException(
                "bad value '"
                        + shown(key, value)
                        + "' for "
                        + key
                        + " ("
                        + origin
                        + "): "
                        + d.rule().expected()
                        + " (default "
                        + formattedDefault(d)
                        + "; "
                        + d.description()
                        + ")",
                cause);
    }

    private InvalidConfigException unknownKey(String key, String origin, boolean inFile) {
        JobSettings sibling = fileSibling == null ? null : fileSibling.get();
        List<String> candidates = new ArrayList<>(byKey.keySet());
        if (inFile && sibling != null) {
            sibling.byKey.keySet().stream()
                    .filter(k -> !byKey.containsKey(k))
                    .forEach(candidates::add);
        }
        String hint;
        if (!inFile && sibling != null && sibling.byKey.containsKey(key)) {
            hint =
                    ": it is a setting of "
                            + sibling.job
                            + " (a --config file may hold both jobs' settings;"
                            + " flags must be "
                            + job
                            + "'s).";
        } else {
            hint =
                    candidates.stream()
                            .min((a, b) -> Integer.compare(distance(a, key), distance(b, key)))
                            .filter(k -> distance(k, key) <= Math.max(2, key.length() / 3))
                            .map(k -> ". Did you mean '" + k + "'?")
                            .orElse(".");
        }
        return new InvalidConfigException(
                "unknown configuration key '"
                        + key
                        + "' ("
                        + origin
                        + ") for "
                        + job
                        + hint
                        + " Known keys: "
                        + String.join(", ", byKey.keySet())
                        + "; any "
                        + PASS_THROUGH_PREFIX
                        + "* key is passed to the Kafka clients.");
    }

    private static String unquote(String v) {
        if (v.length() >= 2
                && (v.startsWith("\"") && v.endsWith("\"")
                        || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    /** Levenshtein distance, for the "did you mean" hint. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private record Flag(String key, String value, String origin) {}

    /** A job's own default for a shared option. */
    private record JobDefault<T>(Declared<T> declared, T value) {
        String formatted() {
            return declared.format(value);
        }

        void applyTo(Configuration conf) {
            if (Objects.equals(conf.get(declared.option()), declared.option().defaultValue())) {
                conf.set(declared.option(), value);
            }
        }
    }

    /** Collects settings; each is checked when set, {@link #build()} checks the combination. */
    public final class Builder {
        private final Configuration conf = new MaskedConfiguration();

        private Builder() {}

        /**
         * Sets a key from text, as a flag would; the value is parsed now, with {@code origin} (e.g.
         * "flag --history.size") named in any error.
         *
         * @throws InvalidConfigException for a key that is not this job's (nor a pass-through), or
         *     a bad value
         */
        public Builder set(String key, String value, String origin) {
            accept(key, value, origin, false);
            return this;
        }

        /** {@link #set(String, String, String)} with origin "set in code". */
        public Builder set(String key, String value) {
            return set(key, value, "set in code");
        }

        /** Sets a typed value; it must pass the option's rule. */
        public <T> Builder set(ConfigOption<T> option, T value) {
            Declared<T> d = declared(option);
            try {
                d.rule().check(value);
            } catch (IllegalArgumentException e) {
                throw badValue(option.key(), String.valueOf(value), "set in code", d, e);
            }
            conf.set(option, value);
            return this;
        }

        /**
         * The settings with this job's defaults applied, after the checks that span options.
         *
         * @throws InvalidConfigException for a combination that cannot run
         */
        public Configuration build() {
            Configuration out = new MaskedConfiguration();
            out.addAll(conf);
            jobDefaults.values().forEach(d -> d.applyTo(out));
            groups.forEach(g -> g.checkCombination(out));
            return out;
        }

        void accept(String key, String value, String origin, boolean fromFile) {
            Objects.requireNonNull(value, "value");
            Declared<?> d = byKey.get(key);
            if (d != null) {
                try {
                    d.set(conf, value);
                } catch (IllegalArgumentException e) {
                    throw badValue(key, value, origin, d, e);
                }
                return;
            }
            if (isPassThrough(key)) {
                if (value.isBlank()) {
                    throw new InvalidConfigException(
                            "bad value '"
                                    + shown(key, value)
                                    + "' for "
                                    + key
                                    + " ("
                                    + origin
                                    + "): "
                                    + Rule.TEXT.expected()
                                    + " (a Kafka client property)");
                }
                conf.set(ConfigOptions.key(key).stringType().noDefaultValue(), value.strip());
                return;
            }
            JobSettings sibling = fromFile && fileSibling != null ? fileSibling.get() : null;
            Declared<?> theirs = sibling == null ? null : sibling.byKey.get(key);
            if (theirs != null) {
                try {
                    theirs.rule().parse(value);
                } catch (IllegalArgumentException e) {
                    throw sibling.badValue(
                            key, value, origin + ", a setting of " + sibling.job, theirs, e);
                }
                LOG.info("{}: {} is a setting of {}; {} ignores it", origin, key, sibling.job, job);
                return;
            }
            throw unknownKey(key, origin, fromFile);
        }
    }

    /**
     * A Configuration whose {@code toString} hides secrets ({@link #isSecret}); Flink's own hides
     * passwords and JAAS settings but not, e.g., {@code ssl.keystore.key}.
     */
    private static final class MaskedConfiguration extends Configuration {
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
