package dev.embsum.flink.internal.kafka;

import dev.embsum.flink.CommonOptions;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;

/** The {@code kafka.*} settings of a job configuration as Kafka client properties. */
final class KafkaClientProperties {

    private KafkaClientProperties() {}

    static Properties of(Configuration config) {
        Properties p = new Properties();
        p.putAll(CommonOptions.kafkaProperties(config));
        return p;
    }
}
