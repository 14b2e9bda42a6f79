package dev.embsum.flink;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.util.TimeUtils;

/**
 * Every knob of the streaming job, each with a documented default ({@link #describe()} prints
 * them; flink-jobs/README.md lists them).
 *
 * <p>Sources, lowest precedence first: the defaults, a file given with {@code --config FILE}
 * ({@code key: value} or {@code key=value} per line, {@code #} comments), then {@code --key value}
 * flags. An unknown key or a value that does not parse is refused up front with a message that
 * names the key, where it came from and what a valid value looks like: a streaming job must not
 * start with a typo silently replaced by a default.
 *
 * <p>Immutable and serializable, so operators can carry the settings they need.
 */
public final class JobConfig implements Serializable {

    private static final long serialVersionUID = 1L;

    // ---- keys (kebab-case, grouped by prefix) ----
    public static final String TOPIC_CLICKS = "topic.clicks";
    public static final String TOPIC_IMPRESSIONS = "topic.impressions";
    public static final String TOPIC_CONTENT = "topic.content";
    public static final String TOPIC_USER_EMBEDDINGS = "topic.user-embeddings";
    public static final String TOPIC_CONTENT_EMBEDDINGS = "topic.content-embeddings";
    public static final String TOPIC_MODEL_RELEASES = "topic.model-releases";
    public static final String TOPIC_DEAD_LETTERS = "topic.dead-letters";
    public static final String JOB_NAME = "job.name";
    public static final String HISTORY_SIZE = "history.size";
    public static final String HISTORY_TTL = "history.ttl";
    public static final String REFRESH_DEBOUNCE = "refresh.debounce";
    public static final String REFRESH_MAX_DELAY = "refresh.max-delay";
    public static final String BACKFILL_USERS_PER_SECOND = "backfill.users-per-second";
    public static final String ITEM_UNKNOWN_TIMEOUT = "item.unknown-timeout";
    public static final String INFERENCE_MAX_BATCH = "inference.max-batch";
    public static final String INFERENCE_MAX_WAIT = "inference.max-wait";
    public static final String INFERENCE_CAPACITY = "inference.capacity";
    public static final String INFERENCE_TIMEOUT = "inference.timeout";
    public static final String INFERENCE_INTRA_OP_THREADS = "inference.intra-op-threads";
    public static final String INFERENCE_ENCODER_CACHE = "inference.encoder-cache";
    public static final String INFERENCE_MAX_SUMMARY_TOKENS = "inference.max-summary-tokens";
    public static final String BUNDLE_PATH = "bundle.path";
    public static final String ARCHIVE_PATH = "archive.path";
    public static final String CHECKPOINT_INTERVAL = "checkpoint.interval";
    public static final String DELIVERY_GUARANTEE = "delivery.guarantee";
    public static final String DELIVERY_TRANSACTIONAL_ID_PREFIX = "delivery.transactional-id-prefix";
    /** Keys under this prefix are Kafka client properties, passed through with the prefix removed. */
    public static final String KAFKA_PREFIX = "kafka.";
    public static final String KAFKA_BOOTSTRAP_SERVERS = KAFKA_PREFIX + "bootstrap.servers";
    public static final String KAFKA_GROUP_ID = KAFKA_PREFIX + "group.id";

    private static final Map<String, Setting> SETTINGS = settings(
            new Setting(TOPIC_CLICKS, "clicks", "topic of ClickEvent (key user_id)", Kind.TOPIC),
            new Setting(TOPIC_IMPRESSIONS, "impressions", "topic of Impression (key user_id; read by the archive job only)", Kind.TOPIC),
            new Setting(TOPIC_CONTENT, "content", "topic of ContentItem (key item_id, compacted)", Kind.TOPIC),
            new Setting(TOPIC_USER_EMBEDDINGS, "user-embeddings", "topic of UserEmbedding (key user_id, compacted)", Kind.TOPIC),
            new Setting(TOPIC_CONTENT_EMBEDDINGS, "content-embeddings", "topic of ContentEmbedding (key item_id, compacted)", Kind.TOPIC),
            new Setting(TOPIC_MODEL_RELEASES, "model-releases", "topic of ModelRelease (key \"current\", compacted)", Kind.TOPIC),
            new Setting(TOPIC_DEAD_LETTERS, "dead-letters", "topic of DeadLetter (key = the original key)", Kind.TOPIC),
            new Setting(JOB_NAME, "embsum-stream", "Flink job name; also DeadLetter.job", Kind.TEXT),
            new Setting(HISTORY_SIZE, "60", "H: newest distinct items kept per user (docs/design.md 4)", Kind.POSITIVE_INT),
            new Setting(HISTORY_TTL, "30d", "a user's history is dropped after this long without a click", Kind.DURATION),
            new Setting(REFRESH_DEBOUNCE, "1s", "refresh this long after a user's last click", Kind.DURATION),
            new Setting(REFRESH_MAX_DELAY, "5s", "... but at most this long after the first click not yet refreshed", Kind.DURATION),
            new Setting(BACKFILL_USERS_PER_SECOND, "20", "after a model release, re-embed every user in state with the new model, at most this many users per second per subtask; 0 = off (users move on their next click)", Kind.NON_NEGATIVE_INT),
            new Setting(ITEM_UNKNOWN_TIMEOUT, "10min", "a click for an item with no content waits this long, then goes to dead-letters as UNKNOWN_ITEM", Kind.DURATION),
            new Setting(INFERENCE_MAX_BATCH, "32", "most requests (users or items) in one model call", Kind.POSITIVE_INT),
            new Setting(INFERENCE_MAX_WAIT, "50ms", "longest a request waits for its micro-batch to fill", Kind.DURATION),
            new Setting(INFERENCE_CAPACITY, "256", "async operator capacity: requests in flight per subtask (back-pressure beyond)", Kind.POSITIVE_INT),
            new Setting(INFERENCE_TIMEOUT, "2min", "a request not answered in this time fails the job (and restarts it)", Kind.DURATION),
            new Setting(INFERENCE_INTRA_OP_THREADS, "1", "ONNX Runtime threads per model call; 0 = all cores", Kind.NON_NEGATIVE_INT),
            new Setting(INFERENCE_ENCODER_CACHE, "256mb", "per-subtask cache of encoded sessions (exact reuse); 0 = none", Kind.MEMORY),
            new Setting(INFERENCE_MAX_SUMMARY_TOKENS, "0", "greedy summary cap; 0 = the bundle's. Smaller changes results: tests only", Kind.NON_NEGATIVE_INT),
            new Setting(BUNDLE_PATH, "models/demo", "model bundle directory the job starts with", Kind.TEXT),
            new Setting(ARCHIVE_PATH, "archive", "archive job only: where it writes <path>/<topic>/dt=YYYY-MM-DD/*.avro; a local path or any Flink file system URI (s3://, hdfs://, gs://)", Kind.TEXT),
            new Setting(CHECKPOINT_INTERVAL, "30s", "checkpoint interval (RocksDB, incremental); 0 = no checkpoints", Kind.DURATION),
            new Setting(DELIVERY_GUARANTEE, "at-least-once", "at-least-once (idempotent upserts) or exactly-once (Kafka transactions)", Kind.DELIVERY),
            new Setting(DELIVERY_TRANSACTIONAL_ID_PREFIX, "embsum-stream", "exactly-once only: transactional.id prefix, unique per job on a cluster", Kind.TEXT),
            new Setting(KAFKA_BOOTSTRAP_SERVERS, "localhost:9092", "Kafka brokers (host:port,...); every other kafka.* key is passed to the clients as is", Kind.TEXT),
            new Setting(KAFKA_GROUP_ID, "embsum-stream", "consumer group of the sources (offsets are committed on checkpoints)", Kind.TEXT));

    private final Map<String, String> values;

    private JobConfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /** Every default. */
    public static JobConfig defaults() {
        return builder().build();
    }

    /**
     * Parses command-line arguments: {@code --config FILE} (optional, read first) and
     * {@code --key value} flags, which win over the file.
     */
    public static JobConfig fromArgs(String... args) {
        Builder flags = builder();
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new InvalidConfigException("unexpected argument '" + arg
                        + "': arguments are --key value pairs (e.g. --" + HISTORY_SIZE + " 60)");
            }
            if (i + 1 >= args.length) {
                throw new InvalidConfigException("flag " + arg + " has no value: give it as "
                        + arg + " VALUE");
            }
            String key = arg.substring(2);
            String value = args[++i];
            if (key.equals("config")) {
                file = Path.of(value);
            } else {
                flags.set(key, value, "flag --" + key);
            }
        }
        Builder merged = file == null ? builder() : fromFile(file).toBuilder();
        flags.explicit.forEach((k, v) -> merged.set(k, v.value, v.origin));
        return merged.build();
    }

    /** Reads {@code key: value} / {@code key=value} lines; blank lines and {@code #} comments are skipped. */
    public static JobConfig fromFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidConfigException("cannot read the configuration file " + file.toAbsolutePath()
                    + ": " + e.getMessage() + " (check the --config path)", e);
        }
        Builder b = builder();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            int eq = line.indexOf('=');
            int sep = colon < 0 ? eq : eq < 0 ? colon : Math.min(colon, eq);
            String origin = file + " line " + (n + 1);
            if (sep <= 0) {
                throw new InvalidConfigException(origin + ": '" + line
                        + "' is not 'key: value' or 'key=value'");
            }
            b.set(line.substring(0, sep).strip(), unquote(line.substring(sep + 1).strip()), origin);
        }
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = builder();
        values.forEach((k, v) -> b.set(k, v, "copy"));
        return b;
    }

    // ---- typed accessors ----

    public String topicClicks() {
        return values.get(TOPIC_CLICKS);
    }

    public String topicImpressions() {
        return values.get(TOPIC_IMPRESSIONS);
    }

    public String archivePath() {
        return values.get(ARCHIVE_PATH);
    }

    public String topicContent() {
        return values.get(TOPIC_CONTENT);
    }

    public String topicUserEmbeddings() {
        return values.get(TOPIC_USER_EMBEDDINGS);
    }

    public String topicContentEmbeddings() {
        return values.get(TOPIC_CONTENT_EMBEDDINGS);
    }

    public String topicModelReleases() {
        return values.get(TOPIC_MODEL_RELEASES);
    }

    public String topicDeadLetters() {
        return values.get(TOPIC_DEAD_LETTERS);
    }

    public String jobName() {
        return values.get(JOB_NAME);
    }

    public int historySize() {
        return Integer.parseInt(values.get(HISTORY_SIZE));
    }

    public Duration historyTtl() {
        return duration(HISTORY_TTL);
    }

    public Duration refreshDebounce() {
        return duration(REFRESH_DEBOUNCE);
    }

    public Duration refreshMaxDelay() {
        return duration(REFRESH_MAX_DELAY);
    }

    /** Backfill rate per subtask after a model release; 0 = no backfill. */
    public int backfillUsersPerSecond() {
        return Integer.parseInt(values.get(BACKFILL_USERS_PER_SECOND));
    }

    public Duration itemUnknownTimeout() {
        return duration(ITEM_UNKNOWN_TIMEOUT);
    }

    public int inferenceMaxBatch() {
        return Integer.parseInt(values.get(INFERENCE_MAX_BATCH));
    }

    public Duration inferenceMaxWait() {
        return duration(INFERENCE_MAX_WAIT);
    }

    public int inferenceCapacity() {
        return Integer.parseInt(values.get(INFERENCE_CAPACITY));
    }

    public Duration inferenceTimeout() {
        return duration(INFERENCE_TIMEOUT);
    }

    public int inferenceIntraOpThreads() {
        return Integer.parseInt(values.get(INFERENCE_INTRA_OP_THREADS));
    }

    public long inferenceEncoderCacheBytes() {
        return MemorySize.parse(values.get(INFERENCE_ENCODER_CACHE)).getBytes();
    }

    public int inferenceMaxSummaryTokens() {
        return Integer.parseInt(values.get(INFERENCE_MAX_SUMMARY_TOKENS));
    }

    public String bundlePath() {
        return values.get(BUNDLE_PATH);
    }

    public Duration checkpointInterval() {
        return duration(CHECKPOINT_INTERVAL);
    }

    public DeliveryGuarantee deliveryGuarantee() {
        return DeliveryGuarantee.parse(values.get(DELIVERY_GUARANTEE));
    }

    public String transactionalIdPrefix() {
        return values.get(DELIVERY_TRANSACTIONAL_ID_PREFIX);
    }

    /**
     * Every {@code kafka.*} key with the prefix removed: the Kafka client configuration shared by
     * the sources and sinks (bootstrap servers, group id, and whatever else is given: TLS, SASL,
     * timeouts). Kafka itself validates these; unknown ones are logged by the clients, not refused.
     */
    public Map<String, String> kafkaProperties() {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(KAFKA_PREFIX)) {
                out.put(k.substring(KAFKA_PREFIX.length()), v);
            }
        });
        return out;
    }

    /** The raw value of a key, as given or defaulted. */
    public String get(String key) {
        requireKnown(key, "lookup");
        return values.get(key);
    }

    /** Every setting with its value and doc, one per line (for logs and --help). */
    public String describe() {
        String known = SETTINGS.values().stream()
                .map(s -> String.format("%-34s %-16s %s (default %s)", s.key, values.get(s.key), s.doc, s.defaultValue))
                .collect(Collectors.joining("\n"));
        String passedThrough = values.keySet().stream()
                .filter(k -> !SETTINGS.containsKey(k))
                .map(k -> String.format("%-34s %-16s %s", k, isSecret(k) ? "(hidden)" : values.get(k),
                        "Kafka client property (passed through)"))
                .collect(Collectors.joining("\n"));
        return passedThrough.isEmpty() ? known : known + "\n" + passedThrough;
    }

    /** Keys and defaults, in documentation order. */
    public static Map<String, String> defaultValues() {
        Map<String, String> out = new LinkedHashMap<>();
        SETTINGS.values().forEach(s -> out.put(s.key, s.defaultValue));
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobConfig c && values.equals(c.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    /** Values of password-like keys (e.g. kafka.sasl.jaas.config) are not shown. */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>(values);
        shown.replaceAll((k, v) -> isSecret(k) ? "(hidden)" : v);
        return "JobConfig" + shown;
    }

    private static boolean isSecret(String key) {
        String k = key.toLowerCase(java.util.Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.endsWith(".key");
    }

    private Duration duration(String key) {
        return TimeUtils.parseDuration(values.get(key));
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    private static Setting requireKnown(String key, String origin) {
        Setting s = SETTINGS.get(key);
        if (s == null && key.startsWith(KAFKA_PREFIX) && key.length() > KAFKA_PREFIX.length()) {
            return new Setting(key, "", "Kafka client property", Kind.TEXT);
        }
        if (s == null) {
            String near = SETTINGS.keySet().stream()
                    .min((a, b) -> Integer.compare(distance(a, key), distance(b, key)))
                    .filter(k -> distance(k, key) <= Math.max(2, key.length() / 3))
                    .map(k -> " Did you mean '" + k + "'?")
                    .orElse("");
            throw new InvalidConfigException("unknown configuration key '" + key + "' (" + origin
                    + ")." + near + " Known keys: " + String.join(", ", SETTINGS.keySet())
                    + "; any " + KAFKA_PREFIX + "* key is passed to the Kafka clients.");
        }
        return s;
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

    private static Map<String, Setting> settings(Setting... all) {
        Map<String, Setting> map = new LinkedHashMap<>();
        for (Setting s : all) {
            s.kind.check(s.defaultValue); // a broken default is a programming error
            map.put(s.key, s);
        }
        return Collections.unmodifiableMap(map);
    }

    /** Collects settings; {@link #build()} checks the combination. */
    public static final class Builder {
        private final Map<String, Origin> explicit = new LinkedHashMap<>();

        private Builder() {
        }

        /** Sets a key; the value is checked now, with {@code origin} named in any error. */
        public Builder set(String key, String value, String origin) {
            Setting s = requireKnown(key, origin);
            Objects.requireNonNull(value, "value");
            try {
                s.kind.check(value);
            } catch (RuntimeException e) {
                throw new InvalidConfigException("bad value '" + value + "' for " + key + " (" + origin
                        + "): " + s.kind.expected + " (default " + s.defaultValue + "; " + s.doc + ")", e);
            }
            explicit.put(key, new Origin(value.strip(), origin));
            return this;
        }

        public Builder set(String key, String value) {
            return set(key, value, "set in code");
        }

        public JobConfig build() {
            Map<String, String> v = new LinkedHashMap<>();
            SETTINGS.values().forEach(s -> v.put(s.key, s.defaultValue));
            explicit.forEach((k, o) -> v.put(k, o.value));
            JobConfig c = new JobConfig(v);
            if (c.refreshMaxDelay().compareTo(c.refreshDebounce()) < 0) {
                throw new InvalidConfigException(REFRESH_MAX_DELAY + " (" + c.get(REFRESH_MAX_DELAY)
                        + ") must be >= " + REFRESH_DEBOUNCE + " (" + c.get(REFRESH_DEBOUNCE)
                        + "): the cap bounds the debounce; raise the cap or lower the debounce");
            }
            if (c.inferenceMaxWait().isZero() && c.inferenceMaxBatch() > 1) {
                throw new InvalidConfigException(INFERENCE_MAX_WAIT + " is 0, so batches never fill beyond"
                        + " what is already queued; set it to a small duration (default 50ms) or set "
                        + INFERENCE_MAX_BATCH + " 1");
            }
            if (c.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE && c.checkpointInterval().isZero()) {
                throw new InvalidConfigException(DELIVERY_GUARANTEE + " exactly-once commits Kafka transactions on"
                        + " checkpoints, but " + CHECKPOINT_INTERVAL + " is 0; set it (default 30s) or use"
                        + " at-least-once");
            }
            return c;
        }
    }

    private record Origin(String value, String origin) {
    }

    private record Setting(String key, String defaultValue, String doc, Kind kind) {
    }

    /** Value syntaxes. */
    private enum Kind {
        TEXT("expected a non-empty string", v -> require(!v.isBlank())),
        TOPIC("expected a Kafka topic name: 1-249 characters of [a-zA-Z0-9._-]",
                v -> require(v.matches("[a-zA-Z0-9._-]{1,249}"))),
        POSITIVE_INT("expected a whole number >= 1", v -> require(Integer.parseInt(v) >= 1)),
        NON_NEGATIVE_INT("expected a whole number >= 0", v -> require(Integer.parseInt(v) >= 0)),
        DURATION("expected a duration such as 50ms, 1s, 10min, 2h or 30d",
                v -> require(!TimeUtils.parseDuration(v).isNegative())),
        MEMORY("expected a size such as 0, 64mb or 1gb", v -> require(MemorySize.parse(v).getBytes() >= 0)),
        DELIVERY("expected at-least-once or exactly-once", DeliveryGuarantee::parse);

        private final String expected;
        private final Function<String, Object> parser;

        Kind(String expected, Function<String, Object> parser) {
            this.expected = expected;
            this.parser = parser;
        }

        void check(String value) {
            parser.apply(value.strip());
        }

        private static Object require(boolean ok) {
            if (!ok) {
                throw new IllegalArgumentException("out of range");
            }
            return Boolean.TRUE;
        }
    }
}
