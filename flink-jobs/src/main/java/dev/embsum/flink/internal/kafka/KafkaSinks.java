package dev.embsum.flink.internal.kafka;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.flink.CommonOptions;
import dev.embsum.flink.DeliveryGuarantee;
import dev.embsum.flink.EmbSumOptions;
import dev.embsum.flink.JobSinks;
import dev.embsum.serde.flink.SingleObjectSerializationSchema;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The job's Kafka output: keyed upserts of user and content embeddings, and dead letters under the
 * failed record's original key; values in Avro single-object encoding.
 */
public final class KafkaSinks {

    /**
     * Brokers refuse a transaction timeout above their {@code transaction.max.timeout.ms} (default
     * 15 min), and the connector's own default is 1 h; so exactly-once asks for the broker default
     * unless {@code kafka.transaction.timeout.ms} says otherwise.
     */
    static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    private KafkaSinks() {}

    public static JobSinks of(Configuration config) {
        return new JobSinks(
                sink(
                        config,
                        config.get(EmbSumOptions.TOPIC_USER_EMBEDDINGS),
                        "user-embeddings",
                        RecordKey.utf8(UserEmbedding::getUserId),
                        UserEmbedding.class),
                sink(
                        config,
                        config.get(EmbSumOptions.TOPIC_CONTENT_EMBEDDINGS),
                        "content-embeddings",
                        RecordKey.utf8(ContentEmbedding::getItemId),
                        ContentEmbedding.class),
                deadLetters(config));
    }

    /**
     * Dead letters under the failed record's original key (also the archive job's only Kafka
     * output).
     */
    public static KafkaSink<DeadLetter> deadLetters(Configuration config) {
        return sink(
                config,
                config.get(CommonOptions.TOPIC_DEAD_LETTERS),
                "dead-letters",
                RecordKey.bytes(DeadLetter::getKey),
                DeadLetter.class);
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> KafkaSink<T> sink(
            Configuration config,
            String topic,
            String role,
            SerializationSchema<T> key,
            Class<T> type) {
        Properties client = KafkaClientProperties.of(config);
        client.remove(ConsumerConfig.GROUP_ID_CONFIG); // the sources' setting; producers would warn
        boolean exactlyOnce =
                config.get(CommonOptions.DELIVERY_GUARANTEE) == DeliveryGuarantee.EXACTLY_ONCE;
        if (exactlyOnce) {
            client.putIfAbsent(
                    ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                    String.valueOf(DEFAULT_TRANSACTION_TIMEOUT.toMillis()));
        }
        KafkaRecordSerializationSchema<T> serializer =
                KafkaRecordSerializationSchema.<T>builder()
                        .setTopic(topic)
                        .setKeySerializationSchema(key)
                        .setValueSerializationSchema(new SingleObjectSerializationSchema<>(type))
                        .build();
        return KafkaSink.<T>builder()
                .setKafkaProducerConfig(client)
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(
                        exactlyOnce
                                ? org.apache.flink.connector.base.DeliveryGuarantee.EXACTLY_ONCE
                                : org.apache.flink.connector.base.DeliveryGuarantee.AT_LEAST_ONCE)
                // One prefix per sink: transactional ids must not collide between the three sinks.
                .setTransactionalIdPrefix(
                        config.get(CommonOptions.DELIVERY_TRANSACTIONAL_ID_PREFIX) + "-" + role)
                .build();
    }
}
