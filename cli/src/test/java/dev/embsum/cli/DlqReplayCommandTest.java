package dev.embsum.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.DeadLetter;
import dev.embsum.serde.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code embsum dlq replay}: exactly the selected payloads go back, byte for byte, to their source
 * topic.
 */
@InProcessKafka
class DlqReplayCommandTest {

    /** Set by {@link InProcessKafka}. */
    private static TestKafka kafka;

    private static byte[] click(String user, String item) {
        return SingleObjectCodec.forClass(ClickEvent.class)
                .encode(
                        ClickEvent.newBuilder()
                                .setEventId(user + "-" + item)
                                .setUserId(user)
                                .setItemId(item)
                                .setEventTime(Instant.parse("2019-11-15T08:00:00Z"))
                                .setAction(Action.CLICK)
                                .setRating(null)
                                .setImpressionId(null)
                                .build());
    }

    /**
     * Dead letters of each kind on {@code dlq}; source topics {@code prefix + "clicks"} and {@code
     * prefix + "content"}.
     */
    private static void publishDeadLetters(String dlq, String prefix) throws Exception {
        SingleObjectCodec<DeadLetter> codec = SingleObjectCodec.forClass(DeadLetter.class);
        Object[][] letters = {
            {"UNKNOWN_ITEM", prefix + "clicks", "U1", click("U1", "N1")},
            {"MALFORMED", prefix + "clicks", "U2", new byte[] {1, 2, 3}},
            {"UNKNOWN_ITEM", prefix + "clicks", "U3", click("U3", "N3")},
            {"INVALID", prefix + "clicks", "U4", click("U4", "N4")},
            {
                "INFERENCE_FAILED",
                prefix + "content",
                "N5",
                "content bytes".getBytes(StandardCharsets.UTF_8)
            },
            {"UNKNOWN_ITEM", prefix + "clicks", null, click("U6", "N6")}, // no original key
            {"UNKNOWN_ITEM", prefix + "clicks", "U7", null}, // a tombstone: nothing to replay
        };
        int offset = 100;
        for (Object[] l : letters) {
            DeadLetter d =
                    TailCommandTest.deadLetter(
                            (String) l[0],
                            (String) l[1],
                            0,
                            offset++,
                            (String) l[2],
                            (byte[]) l[3],
                            "test");
            kafka.send(
                    dlq,
                    l[2] == null ? null : TailCommandTest.bytes((String) l[2]),
                    codec.encode(d));
        }
    }

    @Test
    void replaysUnknownItemClicksByteForByte() throws Exception {
        kafka.createTopics("d1-dead", "d1-clicks", "d1-content");
        publishDeadLetters("d1-dead", "d1-");
        Cli.Result r =
                Cli.run(
                        "dlq",
                        "replay",
                        "--kind",
                        "UNKNOWN_ITEM",
                        "--topic-dead-letters",
                        "d1-dead",
                        "--bootstrap-servers",
                        kafka.bootstrap());
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("replayed d1-dead[")
                .contains(" UNKNOWN_ITEM from d1-clicks[0]@100 key \"U1\"")
                .contains(
                        "replayed 3 of 7 dead letters on 'd1-dead'; not selected: 1 kind MALFORMED, 1 kind INVALID,"
                                + " 1 kind INFERENCE_FAILED, 1 tombstone (no value to replay)");

        List<ConsumerRecord<byte[], byte[]>> clicks = kafka.readAll("d1-clicks");
        assertThat(clicks).hasSize(3);
        assertThat(clicks)
                .anySatisfy(
                        c -> {
                            assertThat(c.key()).isEqualTo(TailCommandTest.bytes("U1"));
                            assertThat(c.value()).isEqualTo(click("U1", "N1"));
                        })
                .anySatisfy(
                        c -> {
                            assertThat(c.key()).isEqualTo(TailCommandTest.bytes("U3"));
                            assertThat(c.value()).isEqualTo(click("U3", "N3"));
                        })
                .anySatisfy(
                        c -> {
                            assertThat(c.key()).isNull();
                            assertThat(c.value()).isEqualTo(click("U6", "N6"));
                        });
        assertThat(kafka.endOffsets("d1-content")).isZero();
    }

    @Test
    void defaultKindsAndSourceTopicFilter() throws Exception {
        kafka.createTopics("d2-dead", "d2-clicks", "d2-content");
        publishDeadLetters("d2-dead", "d2-");
        // default kinds: UNKNOWN_ITEM and INFERENCE_FAILED; only those from d2-content
        Cli.Result r =
                Cli.run(
                        "dlq",
                        "replay",
                        "--source-topic",
                        "d2-content",
                        "--topic-dead-letters",
                        "d2-dead",
                        "--bootstrap-servers",
                        kafka.bootstrap());
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.out()).contains("replayed 1 of 7 dead letters");
        List<ConsumerRecord<byte[], byte[]>> content = kafka.readAll("d2-content");
        assertThat(content).hasSize(1);
        assertThat(content.get(0).key()).isEqualTo(TailCommandTest.bytes("N5"));
        assertThat(content.get(0).value())
                .isEqualTo("content bytes".getBytes(StandardCharsets.UTF_8));
        assertThat(kafka.endOffsets("d2-clicks")).isZero();
    }

    @Test
    void dryRunAndMaxPublishNothingBeyondTheSelection() throws Exception {
        kafka.createTopics("d3-dead", "d3-clicks", "d3-content");
        publishDeadLetters("d3-dead", "d3-");
        Cli.Result dry =
                Cli.run(
                        "dlq",
                        "replay",
                        "--dry-run",
                        "--topic-dead-letters",
                        "d3-dead",
                        "--bootstrap-servers",
                        kafka.bootstrap());
        assertThat(dry.status()).as(dry.toString()).isZero();
        assertThat(dry.out())
                .contains("would replay d3-dead[")
                .contains("would replay 4 of 7 dead letters");
        assertThat(kafka.endOffsets("d3-clicks") + kafka.endOffsets("d3-content")).isZero();

        Cli.Result two =
                Cli.run(
                        "dlq",
                        "replay",
                        "--max",
                        "2",
                        "--kind",
                        "UNKNOWN_ITEM",
                        "--topic-dead-letters",
                        "d3-dead",
                        "--bootstrap-servers",
                        kafka.bootstrap());
        assertThat(two.status()).as(two.toString()).isZero();
        assertThat(two.out()).contains("replayed 2 of 7").contains("1 beyond --max");
        assertThat(kafka.readAll("d3-clicks"))
                .extracting(ConsumerRecord::value)
                .containsExactlyInAnyOrder(click("U1", "N1"), click("U3", "N3"));
    }

    @Test
    void forcedMalformedReplayAndMissingSourceTopic() throws Exception {
        kafka.createTopics("d4-dead", "d4-clicks");
        publishDeadLetters("d4-dead", "d4-");
        Cli.Result missing =
                Cli.run(
                        "dlq",
                        "replay",
                        "--topic-dead-letters",
                        "d4-dead",
                        "--bootstrap-servers",
                        kafka.bootstrap());
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).contains("no topic 'd4-content' (source_topic of a dead letter)");
        assertThat(kafka.endOffsets("d4-clicks"))
                .as("nothing published when a destination is missing")
                .isZero();

        Cli.Result forced =
                Cli.run(
                        "dlq",
                        "replay",
                        "--kind",
                        "MALFORMED",
                        "--force",
                        "--topic-dead-letters",
                        "d4-dead",
                        "--bootstrap-servers",
                        kafka.bootstrap());
        assertThat(forced.status()).as(forced.toString()).isZero();
        assertThat(kafka.readAll("d4-clicks"))
                .singleElement()
                .satisfies(c -> assertThat(c.value()).isEqualTo(new byte[] {1, 2, 3}));
    }
}
