package dev.embsum.flink.internal.kafka;

import dev.embsum.flink.JobConfig;
import java.util.Properties;

/** The {@code kafka.*} settings of a job configuration as Kafka client properties. */
final class KafkaClientProperties {

    private KafkaClientProperties() {
    }

    static Properties of(JobConfig config) {
        Properties p = new Properties();
        p.putAll(config.kafkaProperties());
        return p;
    }
}
