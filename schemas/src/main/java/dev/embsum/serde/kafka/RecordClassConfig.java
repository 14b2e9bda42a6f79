package dev.embsum.serde.kafka;

import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;

/** Reads the record type of a serde created by Kafka from a class name in the client config. */
final class RecordClassConfig {

    private RecordClassConfig() {}

    /**
     * The record class named by {@code key} in {@code configs}: a {@code Class} or a class name,
     * e.g. {@code "dev.embsum.avro.ClickEvent"}.
     */
    static Class<? extends SpecificRecord> read(Map<String, ?> configs, String key) {
        Object value = configs.get(key);
        if (value == null) {
            throw new ConfigException(
                    key,
                    null,
                    "set it to the generated Avro record class, e.g. dev.embsum.avro.ClickEvent");
        }
        try {
            Class<?> type =
                    value instanceof Class<?> c
                            ? c
                            : Class.forName(value.toString().strip(), true, contextLoader());
            return type.asSubclass(SpecificRecord.class);
        } catch (ClassNotFoundException | ClassCastException e) {
            throw new ConfigException(
                    key, value, "not an Avro SpecificRecord class: " + e.getMessage());
        }
    }

    private static ClassLoader contextLoader() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return cl != null ? cl : RecordClassConfig.class.getClassLoader();
    }
}
