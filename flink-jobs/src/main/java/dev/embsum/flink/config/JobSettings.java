package dev.embsum.flink.config;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.flink.InvalidConfigException;
import dev.embsum.flink.config.OptionGroup.Declared;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
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
     * Keys under this prefix are Kafka client properties, passed through with the prefix removed.
     */
    public static final String PASS_THROUGH_PREFIX = "kafka.";

    /** What --help and the README say about the keys under {@link #PASS_THROUGH_PREFIX}. */
    public static final String PASS_THROUGH_DESCRIPTION =
            "passed to every Kafka client with "
                    + PASS_THROUGH_PREFIX
                    + " removed (TLS, SASL, timeouts); values of keys that contain password, secret or jaas, or end in"
                    + " .key, are hidden in logs and --help";

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
        CommandLine line =
                CommandLine.parse(
                        args, exampleKey(), f -> flags.set(f.key(), f.value(), f.origin()));
        Builder merged = builder();
        if (line.file() != null) {
            readFile(line.file(), merged);
        }
        line.flags().forEach(f -> merged.set(f.key(), f.value(), f.origin()));
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
        ConfigFile.read(file).forEach(f -> into.accept(f.key(), f.value(), f.origin(), true));
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
        Configuration out = new Secrets.MaskedConfiguration();
        out.addAll(conf);
        jobDefaults.values().forEach(d -> d.applyTo(out));
        return out;
    }

    /**
     * Every option with its value in {@code conf}, doc and default, one per line (for logs);
     * secrets hidden.
     */
    public String describe(Configuration conf) {
        return SettingsText.describe(this, conf);
    }

    /** The --help text: usage, then every option with its default and doc. */
    public String help() {
        return SettingsText.help(this, fileSibling == null ? null : fileSibling.get());
    }

    /** Every option with its default and doc, one per line, then the pass-through keys. */
    public String optionList() {
        return SettingsText.optionList(this);
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
        return Secrets.isSecret(key);
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
                badValueMessage(key, value, origin, d.rule().expected())
                        + " (default "
                        + formattedDefault(d)
                        + "; "
                        + d.description()
                        + ")",
                cause);
    }

    /** "bad value 'v' for key (origin): expected ...", the value hidden if the key is secret. */
    private static String badValueMessage(
            String key, String value, String origin, String expected) {
        return "bad value '"
                + Secrets.shown(key, value)
                + "' for "
                + key
                + " ("
                + origin
                + "): "
                + expected;
    }

    private InvalidConfigException unknownKey(String key, String origin, boolean inFile) {
        return UnknownKeys.refusal(
                key, origin, this, fileSibling == null ? null : fileSibling.get(), inFile);
    }

    /** The keys of the job's options, in listing order. */
    Set<String> keys() {
        return byKey.keySet();
    }

    /** Collects settings; each is checked when set, {@link #build()} checks the combination. */
    public final class Builder {
        private final Configuration conf = new Secrets.MaskedConfiguration();

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
            Configuration out = withJobDefaults(conf);
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
                            badValueMessage(key, value, origin, Rule.TEXT.expected())
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
}
