package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.flink.internal.Records;
import dev.embsum.flink.testing.EmbSumMiniCluster;
import dev.embsum.replay.EmbeddedKafka;
import dev.embsum.replay.OutputWatcher;
import dev.embsum.runtime.TestBundle;
import dev.embsum.serde.DeadLetterKinds;
import dev.embsum.serde.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The job between a real (in-process KRaft) Kafka broker and a Flink MiniCluster: MIND content and
 * clicks published with the Avro single-object serde, plus malformed and invalid records → every
 * user's newest embedding on {@code user-embeddings} equals the oracle, and each bad record is on
 * {@code dead-letters} with its topic, partition, offset, key and bytes.
 */
@EmbSumMiniCluster
class EmbSumKafkaTest {

    private static final int SUMMARY_TOKENS = 8;
    private static final int USERS = 30;

    // static: deleted after the MiniCluster has stopped, so no checkpoint clean-up races the
    // deletion
    @TempDir static Path checkpoints;

    /**
     * Exactly-once output is read committed (OutputWatcher), so it also proves the commits happen.
     */
    @ParameterizedTest(name = "delivery.guarantee={0}")
    @EnumSource(DeliveryGuarantee.class)
    void kafkaOutputEqualsTheOracleAndBadRecordsAreDeadLettered(DeliveryGuarantee deliveryGuarantee)
            throws Exception {
        MindSample mind = MindSample.load(USERS, 80);
        assertThat(mind.clicksByUser).hasSize(USERS);
        SingleObjectCodec<ClickEvent> clickCodec = SingleObjectCodec.forClass(ClickEvent.class);
        SingleObjectCodec<ContentItem> itemCodec = SingleObjectCodec.forClass(ContentItem.class);

        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Configuration config =
                    new Configuration()
                            .set(CommonOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers())
                            .set(CommonOptions.JOB_NAME, "kafka-test")
                            .set(EmbSumOptions.BUNDLE_PATH, TestBundle.dir().toString())
                            .set(EmbSumOptions.INFERENCE_MAX_SUMMARY_TOKENS, SUMMARY_TOKENS)
                            .set(EmbSumOptions.REFRESH_DEBOUNCE, Duration.ofMillis(20))
                            .set(EmbSumOptions.REFRESH_MAX_DELAY, Duration.ofMillis(100))
                            .set(CommonOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(1))
                            // a loaded CI machine is not a hung model
                            .set(EmbSumOptions.INFERENCE_TIMEOUT, Duration.ofMinutes(5))
                            .set(CommonOptions.DELIVERY_GUARANTEE, deliveryGuarantee);
            kafka.createTopics(TopicNames.of(config), 2);
            String contentTopic = config.get(CommonOptions.TOPIC_CONTENT);
            String clicksTopic = config.get(CommonOptions.TOPIC_CLICKS);

            RecordMetadata badContent;
            RecordMetadata badClick;
            RecordMetadata invalidClick;
            byte[] badClickBytes = {1, 2, 3};
            try (KafkaProducer<String, byte[]> producer = producer(kafka);
                    OutputWatcher out =
                            OutputWatcher.start(kafka.bootstrapServers(), TopicNames.of(config))) {
                for (ContentItem item : mind.items.values()) {
                    send(producer, contentTopic, item.getItemId(), itemCodec.encode(item));
                }
                badContent =
                        send(producer, contentTopic, "N-bad", new byte[] {(byte) 0xC3, 0x01, 9})
                                .get();

                Configuration conf = JobFixture.flinkConfiguration(checkpoints);
                try (StreamExecutionEnvironment env =
                        StreamExecutionEnvironment.getExecutionEnvironment(conf)) {
                    env.setParallelism(1);
                    new EmbSumJob(config, JobSources.kafka(config), JobSinks.kafka(config))
                            .build(env);
                    JobClient job = env.executeAsync(config.get(CommonOptions.JOB_NAME));
                    try {
                        // Clicks go out once every item is embedded, i.e. its tokens are in the
                        // join's
                        // state: a click that waits for its item is overtaken by the user's later
                        // clicks, and the history (arrival order) would differ from the log order.
                        assertThat(
                                        out.await(
                                                () ->
                                                        running(job, "content embeddings")
                                                                && out.contentCount()
                                                                        == mind.items.size(),
                                                Duration.ofMinutes(3)))
                                .as("content embeddings for all %d items", mind.items.size())
                                .isTrue();
                        for (ClickEvent c : mind.roundRobinClicks()) {
                            send(producer, clicksTopic, c.getUserId(), clickCodec.encode(c));
                        }
                        badClick = send(producer, clicksTopic, "U-broken", badClickBytes).get();
                        ClickEvent outOfRange =
                                click("U-rating", mind.items.keySet().iterator().next(), 9);
                        invalidClick =
                                send(
                                                producer,
                                                clicksTopic,
                                                "U-rating",
                                                clickCodec.encode(outOfRange))
                                        .get();

                        boolean done =
                                out.await(
                                        () ->
                                                running(job, "every user's final embedding")
                                                        && out.deadLetterCount() >= 3
                                                        && allCurrent(out.users(), mind),
                                        Duration.ofMinutes(4));
                        assertThat(done)
                                .as(
                                        "every user at its final history_version (%d of %d), 3 dead letters (%d)",
                                        mind.clicksByUser.keySet().stream()
                                                .filter(u -> current(out.users(), mind, u))
                                                .count(),
                                        USERS,
                                        out.deadLetterCount())
                                .isTrue();
                    } finally {
                        job.cancel().get();
                    }
                }

                assertThat(out.versionRegressions()).isZero();
                Map<String, UserEmbedding> last = out.users();
                assertThat(last).containsOnlyKeys(mind.clicksByUser.keySet());
                try (UserEmbeddingOracle oracle = UserEmbeddingOracle.open(SUMMARY_TOKENS)) {
                    for (Map.Entry<String, List<ClickEvent>> user : mind.clicksByUser.entrySet()) {
                        oracle.assertMatches(user.getValue(), mind.items, last.get(user.getKey()));
                    }
                }

                List<DeadLetter> dead = out.deadLetters();
                assertThat(dead).hasSize(3);
                assertDeadLetter(dead, badContent, DeadLetterKinds.MALFORMED, "N-bad");
                assertDeadLetter(dead, badClick, DeadLetterKinds.MALFORMED, "U-broken");
                assertDeadLetter(dead, invalidClick, DeadLetterKinds.INVALID, "U-rating");
                DeadLetter broken = find(dead, badClick);
                assertThat(bytes(broken.getValue()))
                        .as("the bytes exactly as published")
                        .isEqualTo(badClickBytes);
                assertThat(broken.getJob()).startsWith("kafka-test/");
            }
        }
    }

    /** True while the job runs; a job that ended fails the test at once with its root cause. */
    private static boolean running(JobClient job, String waitingFor) {
        JobFixture.failIfEnded(job, waitingFor);
        return true;
    }

    private static boolean allCurrent(Map<String, UserEmbedding> users, MindSample mind) {
        return mind.clicksByUser.keySet().stream().allMatch(u -> current(users, mind, u));
    }

    private static boolean current(Map<String, UserEmbedding> users, MindSample mind, String user) {
        UserEmbedding e = users.get(user);
        return e != null && e.getHistoryVersion() == mind.clicksByUser.get(user).size();
    }

    private static void assertDeadLetter(
            List<DeadLetter> dead, RecordMetadata where, String kind, String key) {
        DeadLetter d = find(dead, where);
        assertThat(d.getErrorKind()).isEqualTo(kind);
        assertThat(d.getErrorMessage()).isNotBlank();
        assertThat(new String(bytes(d.getKey()), StandardCharsets.UTF_8)).isEqualTo(key);
    }

    private static DeadLetter find(List<DeadLetter> dead, RecordMetadata where) {
        return dead.stream()
                .filter(
                        d ->
                                d.getSourceTopic().equals(where.topic())
                                        && d.getPartition() == where.partition()
                                        && d.getOffset() == where.offset())
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError("no dead letter for " + where + " in " + dead));
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static ClickEvent click(String user, String item, int rating) {
        return Records.click(
                user + "-1",
                user,
                item,
                Action.CLICK,
                rating,
                Instant.parse("2019-11-10T00:00:00Z"));
    }

    private static Future<RecordMetadata> send(
            KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value) {
        return producer.send(new ProducerRecord<>(topic, key, value));
    }

    private static KafkaProducer<String, byte[]> producer(EmbeddedKafka kafka) {
        Properties p = kafka.clientProperties();
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }
}
