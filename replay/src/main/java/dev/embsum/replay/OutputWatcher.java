package dev.embsum.replay;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.serde.SingleObjectCodec;
import dev.embsum.serde.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the job's three output topics from the beginning on a background thread, as a downstream
 * consumer would: the newest UserEmbedding per user (by history_version), every ContentEmbedding by
 * item, and all dead letters. Read-committed, so exactly-once output is seen only once committed.
 */
public final class OutputWatcher implements AutoCloseable {

    private final Map<String, UserEmbedding> users = new ConcurrentHashMap<>();
    private final Map<String, ContentEmbedding> contents = new ConcurrentHashMap<>();
    private final Queue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
    private final AtomicLong userEmbeddingsReceived = new AtomicLong();
    private final AtomicLong versionRegressions = new AtomicLong();
    private final SingleObjectCodec<UserEmbedding> userCodec =
            SingleObjectCodec.forClass(UserEmbedding.class);
    private final SingleObjectCodec<ContentEmbedding> contentCodec =
            SingleObjectCodec.forClass(ContentEmbedding.class);
    private final SingleObjectCodec<DeadLetter> deadLetterCodec =
            SingleObjectCodec.forClass(DeadLetter.class);
    private final String userEmbeddingsTopic;
    private final String contentEmbeddingsTopic;
    private final String deadLettersTopic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    private OutputWatcher(String bootstrapServers, Map<Topic, String> topicNames) {
        this.userEmbeddingsTopic = topicName(topicNames, Topic.USER_EMBEDDINGS);
        this.contentEmbeddingsTopic = topicName(topicNames, Topic.CONTENT_EMBEDDINGS);
        this.deadLettersTopic = topicName(topicNames, Topic.DEAD_LETTERS);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "embsum-output-watcher");
        this.thread.setDaemon(true);
    }

    /**
     * Starts reading; the topics must exist.
     *
     * @param topicNames the job's topic names (flink-jobs' {@code TopicNames.of(config)}); a topic
     *     it leaves out has its default name
     */
    public static OutputWatcher start(String bootstrapServers, Map<Topic, String> topicNames) {
        OutputWatcher w = new OutputWatcher(bootstrapServers, topicNames);
        w.thread.start();
        return w;
    }

    /** The newest embedding of each user (highest history_version seen). */
    public Map<String, UserEmbedding> users() {
        check();
        return Map.copyOf(users);
    }

    public Map<String, ContentEmbedding> contents() {
        check();
        return Map.copyOf(contents);
    }

    public List<DeadLetter> deadLetters() {
        check();
        return new ArrayList<>(deadLetters);
    }

    public int contentCount() {
        return contents.size();
    }

    public long userEmbeddingsReceived() {
        return userEmbeddingsReceived.get();
    }

    public int deadLetterCount() {
        return deadLetters.size();
    }

    /** Embeddings that arrived with a lower history_version than one already seen for the user. */
    public long versionRegressions() {
        return versionRegressions.get();
    }

    /** Polls {@code done} until true (returns true) or {@code timeout} passes (returns false). */
    public boolean await(BooleanSupplier done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            check();
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic :
                    List.of(userEmbeddingsTopic, contentEmbeddingsTopic, deadLettersTopic)) {
                consumer.partitionsFor(topic)
                        .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    accept(r);
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // close() woke the poll up
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            consumer.close();
        }
    }

    private void accept(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return; // a tombstone (deleted item)
        }
        if (r.topic().equals(userEmbeddingsTopic)) {
            UserEmbedding e = userCodec.decode(r.value());
            userEmbeddingsReceived.incrementAndGet();
            users.merge(
                    e.getUserId(),
                    e,
                    (old, now) -> {
                        if (now.getHistoryVersion() < old.getHistoryVersion()) {
                            versionRegressions.incrementAndGet();
                            return old;
                        }
                        return now;
                    });
        } else if (r.topic().equals(contentEmbeddingsTopic)) {
            ContentEmbedding e = contentCodec.decode(r.value());
            contents.put(e.getItemId(), e);
        } else {
            deadLetters.add(deadLetterCodec.decode(r.value()));
        }
    }

    private void check() {
        if (failure != null) {
            throw new IllegalStateException(
                    "reading the output topics failed: " + failure.getMessage(), failure);
        }
    }

    private static String topicName(Map<Topic, String> names, Topic topic) {
        return names.getOrDefault(topic, topic.defaultName());
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
