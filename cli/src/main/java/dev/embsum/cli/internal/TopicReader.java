package dev.embsum.cli.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a topic as it is now: every committed record from the beginning up to the end offsets taken
 * when reading starts (records published meanwhile are not waited for).
 */
public final class TopicReader {

    /**
     * No new record for this long while records are still due means the broker stopped answering.
     */
    private static final Duration STALL = Duration.ofSeconds(30);

    private TopicReader() {}

    /** The topic's partitions; a missing topic is a {@link CliFailure} naming it. */
    public static List<TopicPartition> partitions(
            KafkaConsumer<?, ?> consumer, String topic, String option) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new CliFailure(
                    "no answer from Kafka about topic '"
                            + topic
                            + "': is a broker running at"
                            + " --bootstrap-servers? (docker compose publishes localhost:9092)",
                    e);
        }
        if (infos == null || infos.isEmpty()) {
            throw new CliFailure("no topic '" + topic + "' (" + option + ") on the cluster");
        }
        return infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    }

    /**
     * Calls {@code each} for every record now in the topic, partition by partition order of
     * arrival.
     */
    public static long readAll(
            KafkaConsumer<byte[], byte[]> consumer,
            String topic,
            String option,
            Consumer<ConsumerRecord<byte[], byte[]>> each) {
        List<TopicPartition> partitions = partitions(consumer, topic, option);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long count = 0;
        long lastProgress = System.nanoTime();
        while (!done(consumer, end)) {
            var records = consumer.poll(Duration.ofMillis(200));
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    each.accept(r);
                    count++;
                }
            }
            if (!records.isEmpty()) {
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
                throw new CliFailure(
                        "reading '"
                                + topic
                                + "' stalled: no record for "
                                + STALL.toSeconds()
                                + " s although the end offsets "
                                + end.values()
                                + " were not reached");
            }
        }
        consumer.unsubscribe();
        return count;
    }

    /**
     * The newest value of every key, as a compacted topic keeps it: the record with the highest
     * offset wins, a null value (tombstone) removes the key. Keys are UTF-8; records without a key
     * are ignored. Insertion order = order of each key's first appearance.
     */
    public static Map<String, ConsumerRecord<byte[], byte[]>> latestByKey(
            KafkaConsumer<byte[], byte[]> consumer, String topic, String option) {
        Map<String, ConsumerRecord<byte[], byte[]>> latest = new LinkedHashMap<>();
        readAll(
                consumer,
                topic,
                option,
                r -> {
                    if (r.key() == null) {
                        return;
                    }
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() == null) {
                        latest.remove(key);
                    } else {
                        latest.put(key, r);
                    }
                });
        return latest;
    }

    private static boolean done(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
