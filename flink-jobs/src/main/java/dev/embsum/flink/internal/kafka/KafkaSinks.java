package dev.embsum.flink.internal.kafka;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.flink.CommonOptions;
import dev.embsum.flink.DeliveryGuarantee;
import dev.embsum.flink.JobSinks;
import dev.embsum.flink.TopicNames;
import dev.embsum.serde.Topic;
import dev.embsum.serde.flink.SingleObjectSerializationSchema;
import java.time.Duration;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
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
                        Topic.USER_EMBEDDINGS,
                        UserEmbedding.class,
                        RecordKey.utf8(UserEmbedding::getUserId)),
                sink(
                        config,
                        Topic.CONTENT_EMBEDDINGS,
                        ContentEmbedding.class,
                        RecordKey.utf8(ContentEmbedding::getItemId)),
                deadLetters(config));
    }

    /**
     * Dead letters under the failed record's original key (also the archive job's only Kafka
     * output).
     */
    public static KafkaSink<DeadLetter> deadLetters(Configuration config) {
        return sink(
                config, Topic.DEAD_LETTERS, DeadLetter.class, RecordKey.bytes(DeadLetter::getKey));
    }

    /**
     * A sink to {@code topic}'s configured name, of the topic's value type; its transactional ids
     * are named after the topic (its default name), so the sinks' ids never collide.
     */
    private static <T extends SpecificRecord> KafkaSink<T> sink(
            Configuration config, Topic topic, Class<T> type, SerializationSchema<T> key) {
        if (topic.valueType() != type) {
            throw new IllegalArgumentException(topic + " carries " + topic.valueType());
        }
        Properties client = KafkaClientProperties.of(config);
        client.remove(ConsumerConfig.GROUP_ID_CONFIG); // the sources' setting; producers would warn
        // Kafka's defaults since 3.0, set explicitly so that no client default or version can
        // change them (CommonOptions refuses a kafka.* setting that weakens them).
        client.put(ProducerConfig.ACKS_CONFIG, "all");
        client.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        boolean exactlyOnce =
                config.get(CommonOptions.DELIVERY_GUARANTEE) == DeliveryGuarantee.EXACTLY_ONCE;
        if (exactlyOnce) {
            client.putIfAbsent(
                    ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                    String.valueOf(DEFAULT_TRANSACTION_TIMEOUT.toMillis()));
        }
        KafkaRecordSerializationSchema<T> serializer =
                KafkaRecordSerializationSchema.<T>builder()
                        .setTopic(config.get(TopicNames.option(topic)))
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
                        config.get(CommonOptions.DELIVERY_TRANSACTIONAL_ID_PREFIX)
                                + "-"
                                + topic.defaultName())
                .build();
    }
}
