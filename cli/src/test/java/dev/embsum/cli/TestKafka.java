package dev.embsum.cli;

import dev.embsum.replay.EmbeddedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One in-process broker per test class with the topics of docs/design.md 2 (2 partitions each), and
 * plain clients.
 */
final class TestKafka implements AutoCloseable {

    final EmbeddedKafka kafka;

    private TestKafka(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    static TestKafka start() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        kafka.createTopics(2); // every topic under its default name
        return new TestKafka(kafka);
    }

    /** Creates fresh topics (2 partitions) so a test sees only what it published itself. */
    void createTopics(String... names) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin =
                org.apache.kafka.clients.admin.Admin.create(kafka.clientProperties())) {
            admin.createTopics(
                            Arrays.stream(names).map(n -> new NewTopic(n, 2, (short) 1)).toList())
                    .all()
                    .get();
            // The controller has them; wait until the broker's metadata lists them too.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!admin.listTopics().names().get().containsAll(Arrays.asList(names))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(
                            "topics " + Arrays.toString(names) + " not listed after 30 s");
                }
                Thread.sleep(50);
            }
        }
    }

    String bootstrap() {
        return kafka.bootstrapServers();
    }

    /** Every record now in {@code topic}, per partition in offset order, partitions in order. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties p = kafka.clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts =
                    c.partitionsFor(topic).stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .sorted(java.util.Comparator.comparingInt(TopicPartition::partition))
                            .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(
                            "could not read " + topic + " to its end offsets " + end);
                }
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            out.sort(
                    java.util.Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(
                                    ConsumerRecord::partition)
                            .thenComparingLong(ConsumerRecord::offset));
            return out;
        }
    }

    /** Sum of the end offsets: how many records the topic ever received. */
    long endOffsets(String topic) {
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(
                        kafka.clientProperties(),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            List<TopicPartition> parts =
                    c.partitionsFor(topic).stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .toList();
            return c.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    RecordMetadata send(String topic, byte[] key, byte[] value) throws Exception {
        try (KafkaProducer<byte[], byte[]> p =
                new KafkaProducer<>(
                        kafka.clientProperties(),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            return p.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    @Override
    public void close() throws Exception {
        kafka.close();
    }
}
