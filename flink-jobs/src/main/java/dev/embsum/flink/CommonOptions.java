package dev.embsum.flink;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.flink.config.JobSettings;
import dev.embsum.flink.config.OptionGroup;
import dev.embsum.flink.config.Rule;
import dev.embsum.serde.Topic;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The options both jobs take, {@link EmbSumJob} ({@link EmbSumOptions}) and {@link ArchiveJob}
 * ({@link ArchiveOptions}): the topics both read or write, the job name, checkpoints, delivery and
 * the Kafka connection. Topic defaults are {@link Topic}'s.
 */
@PublicEvolving
public final class CommonOptions {

    /**
     * Declared before the options: each option registers itself here (static fields initialize in
     * order).
     */
    static final OptionGroup DECLARED =
            new OptionGroup("both jobs", CommonOptions::checkCombination);

    public static final ConfigOption<String> TOPIC_CLICKS =
            DECLARED.topic(Topic.CLICKS, "ClickEvent topic (key user_id)");

    public static final ConfigOption<String> TOPIC_CONTENT =
            DECLARED.topic(Topic.CONTENT, "ContentItem topic (key item_id, compacted)");

    public static final ConfigOption<String> TOPIC_DEAD_LETTERS =
            DECLARED.topic(
                    Topic.DEAD_LETTERS, "DeadLetter topic (key: the failed record's original key)");

    public static final ConfigOption<String> JOB_NAME =
            DECLARED.text(
                    "job.name",
                    "embsum-stream",
                    "Flink job name; dead letters name their operator as job.name/uid (DeadLetter.job)");

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            DECLARED.duration(
                    "checkpoint.interval",
                    Duration.ofSeconds(30),
                    "checkpoint interval (RocksDB, incremental); 0 = no checkpoints, which the"
                            + " archive refuses (it publishes its files on checkpoints)");

    public static final ConfigOption<DeliveryGuarantee> DELIVERY_GUARANTEE =
            DECLARED.choice(
                    "delivery.guarantee",
                    DeliveryGuarantee.AT_LEAST_ONCE,
                    DeliveryGuarantee::configValue,
                    "at-least-once (idempotent upserts) or exactly-once (Kafka transactions,"
                            + " committed on checkpoints: needs checkpoint.interval > 0)");

    public static final ConfigOption<String> DELIVERY_TRANSACTIONAL_ID_PREFIX =
            DECLARED.text(
                    "delivery.transactional-id-prefix",
                    "embsum-stream",
                    "exactly-once only: transactional.id prefix, unique per job on a cluster"
                            + " (each sink appends its topic role)");

    public static final ConfigOption<String> KAFKA_BOOTSTRAP_SERVERS =
            DECLARED.text(
                    "kafka.bootstrap.servers", "localhost:9092", "Kafka brokers (host:port,...)");

    public static final ConfigOption<String> KAFKA_GROUP_ID =
            DECLARED.text(
                    "kafka.group.id",
                    "embsum-stream",
                    "consumer group of the sources (offsets are committed on checkpoints)");

    private CommonOptions() {}

    /**
     * Every {@code kafka.*} key with the prefix removed: the Kafka client configuration shared by
     * the sources and sinks (bootstrap servers and group id, with their defaults, and whatever else
     * is given: TLS, SASL, timeouts). Kafka itself validates these; unknown ones are logged by the
     * clients, not refused.
     */
    public static Map<String, String> kafkaProperties(Configuration conf) {
        String prefix = JobSettings.PASS_THROUGH_PREFIX;
        Map<String, String> out = new TreeMap<>();
        for (OptionGroup.Declared<?> d : DECLARED.options()) {
            if (d.key().startsWith(prefix)) {
                out.put(d.key().substring(prefix.length()), formatted(d, conf));
            }
        }
        conf.toMap()
                .forEach(
                        (key, value) -> {
                            if (key.startsWith(prefix)) {
                                out.put(key.substring(prefix.length()), value);
                            }
                        });
        return out;
    }

    private static <T> String formatted(OptionGroup.Declared<T> d, Configuration conf) {
        return d.format(conf.get(d.option()));
    }

    /**
     * The producer settings the sinks' guarantees rest on (KafkaSinks sets them explicitly): a
     * {@code kafka.*} pass-through may not weaken them.
     */
    static final Map<String, String> DURABLE_PRODUCER =
            Map.of("acks", "all", "enable.idempotence", "true");

    private static void checkCombination(Configuration conf) {
        Map<String, String> kafka = kafkaProperties(conf);
        DURABLE_PRODUCER.forEach(
                (key, required) -> {
                    String value = kafka.get(key);
                    if (value != null
                            && !value.trim().equalsIgnoreCase(required)
                            && !(key.equals("acks") && value.trim().equals("-1"))) {
                        throw new InvalidConfigException(
                                "kafka."
                                        + key
                                        + " "
                                        + value
                                        + " would let an acknowledged embedding or dead letter be"
                                        + " lost (or written twice) when a broker fails; the job's"
                                        + " sinks need "
                                        + key
                                        + "="
                                        + required
                                        + ": remove the setting");
                    }
                });
        if (conf.get(DELIVERY_GUARANTEE) == DeliveryGuarantee.EXACTLY_ONCE
                && conf.get(CHECKPOINT_INTERVAL).isZero()) {
            throw new InvalidConfigException(
                    DELIVERY_GUARANTEE.key()
                            + " exactly-once commits Kafka transactions on"
                            + " checkpoints, but "
                            + CHECKPOINT_INTERVAL.key()
                            + " is 0; set it (default "
                            + Rule.DURATION.format(CHECKPOINT_INTERVAL.defaultValue())
                            + ") or use at-least-once");
        }
    }
}
