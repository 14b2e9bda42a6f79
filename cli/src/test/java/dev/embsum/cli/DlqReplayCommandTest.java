package dev.embsum.cli;

import static dev.embsum.cli.TestRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.DeadLetter;
import dev.embsum.serde.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
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
                .encode(TestRecords.click(user + "-" + item, user, item));
    }

    /**
     * The topics {@code prefix + "dead"}, {@code prefix + "clicks"} and {@code prefix + "content"},
     * with the dead letters of {@link #publishDeadLetters} on the first.
     */
    private static void givenDeadLetters(String prefix) throws Exception {
        kafka.createTopics(prefix + "dead", prefix + "clicks", prefix + "content");
        publishDeadLetters(prefix);
    }

    /**
     * Dead letters of each kind on {@code prefix + "dead"}; source topics {@code prefix + "clicks"}
     * and {@code prefix + "content"}.
     */
    private static void publishDeadLetters(String prefix) throws Exception {
        String dlq = prefix + "dead";
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
                    TestRecords.deadLetter(
                            (String) l[0],
                            (String) l[1],
                            0,
                            offset++,
                            (String) l[2],
                            (byte[]) l[3],
                            "test");
            kafka.send(dlq, l[2] == null ? null : utf8((String) l[2]), codec.encode(d));
        }
    }

    @Test
    void replaysUnknownItemClicksByteForByte() throws Exception {
        givenDeadLetters("d1-");
        Cli.Result r = replay("d1-dead", "--kind", "UNKNOWN_ITEM");
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("replayed d1-dead[")
                .contains(" UNKNOWN_ITEM from d1-clicks[0]@100 key \"U1\"")
                .contains(
                        "replayed 3 of 7 dead letters on 'd1-dead'; not selected: 1 kind MALFORMED, 1 kind INVALID,"
                                + " 1 kind INFERENCE_FAILED, 1 tombstone (no value to replay)");

        assertThat(kafka.readAll("d1-clicks"))
                .extracting(ConsumerRecord::key, ConsumerRecord::value)
                .containsExactlyInAnyOrder(
                        tuple(utf8("U1"), click("U1", "N1")),
                        tuple(utf8("U3"), click("U3", "N3")),
                        tuple(null, click("U6", "N6")));
        assertThat(kafka.endOffsets("d1-content")).isZero();
    }

    @Test
    void defaultKindsAndSourceTopicFilter() throws Exception {
        givenDeadLetters("d2-");
        // default kinds: UNKNOWN_ITEM and INFERENCE_FAILED; only those from d2-content
        Cli.Result r = replay("d2-dead", "--source-topic", "d2-content");
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.out()).contains("replayed 1 of 7 dead letters");
        List<ConsumerRecord<byte[], byte[]>> content = kafka.readAll("d2-content");
        assertThat(content).hasSize(1);
        assertThat(content.get(0).key()).isEqualTo(utf8("N5"));
        assertThat(content.get(0).value())
                .isEqualTo("content bytes".getBytes(StandardCharsets.UTF_8));
        assertThat(kafka.endOffsets("d2-clicks")).isZero();
    }

    @Test
    void dryRunAndMaxPublishNothingBeyondTheSelection() throws Exception {
        givenDeadLetters("d3-");
        Cli.Result dry = replay("d3-dead", "--dry-run");
        assertThat(dry.status()).as(dry.toString()).isZero();
        assertThat(dry.out())
                .contains("would replay d3-dead[")
                .contains("would replay 4 of 7 dead letters");
        assertThat(kafka.endOffsets("d3-clicks") + kafka.endOffsets("d3-content")).isZero();

        Cli.Result two = replay("d3-dead", "--max", "2", "--kind", "UNKNOWN_ITEM");
        assertThat(two.status()).as(two.toString()).isZero();
        assertThat(two.out()).contains("replayed 2 of 7").contains("1 beyond --max");
        assertThat(kafka.readAll("d3-clicks"))
                .extracting(ConsumerRecord::value)
                .containsExactlyInAnyOrder(click("U1", "N1"), click("U3", "N3"));
    }

    @Test
    void forcedMalformedReplayAndMissingSourceTopic() throws Exception {
        kafka.createTopics("d4-dead", "d4-clicks");
        publishDeadLetters("d4-");
        Cli.Result missing = replay("d4-dead");
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).contains("no topic 'd4-content' (source_topic of a dead letter)");
        assertThat(kafka.endOffsets("d4-clicks"))
                .as("nothing published when a destination is missing")
                .isZero();

        Cli.Result forced = replay("d4-dead", "--kind", "MALFORMED", "--force");
        assertThat(forced.status()).as(forced.toString()).isZero();
        assertThat(kafka.readAll("d4-clicks"))
                .singleElement()
                .satisfies(c -> assertThat(c.value()).isEqualTo(new byte[] {1, 2, 3}));
    }

    /** embsum dlq replay of the dead letters on {@code dlq}, on the test broker. */
    private static Cli.Result replay(String dlq, String... options) {
        return Cli.run(kafka, List.of("dlq", "replay", "--topic-dead-letters", dlq), options);
    }
}
