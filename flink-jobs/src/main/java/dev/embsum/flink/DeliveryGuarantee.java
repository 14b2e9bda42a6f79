package dev.embsum.flink;

/**
 * How the job's Kafka sinks deliver. At-least-once is the default: every output topic is compacted
 * and keyed, and consumers upsert by key (and, for user embeddings, by history_version), so a
 * replayed record is harmless. Exactly-once uses Kafka transactions; readers then see output only
 * after each checkpoint commits.
 */
public enum DeliveryGuarantee {
    AT_LEAST_ONCE("at-least-once"),
    EXACTLY_ONCE("exactly-once");

    private final String configValue;

    DeliveryGuarantee(String configValue) {
        this.configValue = configValue;
    }

    /** The spelling used in configuration files and flags. */
    public String configValue() {
        return configValue;
    }

    /**
     * The config spelling, so that Flink's own string conversion of the option (e.g. a
     * Configuration built with {@code fromMap}) reads and writes the same values as the job's
     * files.
     */
    @Override
    public String toString() {
        return configValue;
    }
}
