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

    @Test
    void aDeadLetterFromATopicOffTheAllowListRefusesTheReplay() throws Exception {
        // a forged dead letter: anyone who can write the dead-letter topic chooses its source_topic
        kafka.createTopics("d5-dead", "d5-clicks", "d5-model-releases", "d5-quarantine");
        SingleObjectCodec<DeadLetter> codec = SingleObjectCodec.forClass(DeadLetter.class);
        kafka.send(
                "d5-dead", utf8("U1"), codec.encode(letter("d5-clicks", "U1", click("U1", "N1"))));
        byte[] forged = "a forged model release".getBytes(StandardCharsets.UTF_8);
        kafka.send(
                "d5-dead",
                utf8("current"),
                codec.encode(letter("d5-model-releases", "current", forged)));

        for (String[] mode : new String[][] {{}, {"--dry-run"}}) {
            Cli.Result refused = replay("d5-dead", mode);
            assertThat(refused.status()).as(refused.toString()).isEqualTo(1);
            assertThat(refused.err())
                    .contains("refused: selected dead letters came from 'd5-model-releases' (1)")
                    .contains("(d5-clicks, d5-content, d5-impressions); nothing was published")
                    .contains("--source-topic")
                    .contains("--to TOPIC");
        }
        assertThat(kafka.endOffsets("d5-clicks") + kafka.endOffsets("d5-model-releases"))
                .as("nothing published, not even the allowed click")
                .isZero();

        Cli.Result clicksOnly = replay("d5-dead", "--source-topic", "d5-clicks");
        assertThat(clicksOnly.status()).as(clicksOnly.toString()).isZero();
        assertThat(kafka.readAll("d5-clicks"))
                .extracting(ConsumerRecord::value)
                .containsExactly(click("U1", "N1"));

        // the operator names the destination: --to overrides the allow-list
        Cli.Result quarantined =
                replay("d5-dead", "--source-topic", "d5-model-releases", "--to", "d5-quarantine");
        assertThat(quarantined.status()).as(quarantined.toString()).isZero();
        assertThat(quarantined.out()).contains("-> d5-quarantine[");
        assertThat(kafka.readAll("d5-quarantine"))
                .extracting(ConsumerRecord::key, ConsumerRecord::value)
                .containsExactly(tuple(utf8("current"), forged));
        assertThat(kafka.endOffsets("d5-model-releases")).isZero();
    }

    @Test
    void byDefaultOnlyTheJobsInputTopicsAreDestinations() throws Exception {
        kafka.createTopics("d6-dead", "d6-clicks");
        SingleObjectCodec<DeadLetter> codec = SingleObjectCodec.forClass(DeadLetter.class);
        kafka.send(
                "d6-dead", utf8("U1"), codec.encode(letter("d6-clicks", "U1", click("U1", "N1"))));
        Cli.Result r = Cli.run(kafka, List.of("dlq", "replay", "--topic-dead-letters", "d6-dead"));
        assertThat(r.status()).as(r.toString()).isEqualTo(1);
        assertThat(r.err())
                .contains("came from 'd6-clicks' (1)")
                .contains("(clicks, content, impressions)");
        assertThat(kafka.endOffsets("d6-clicks")).isZero();

        Cli.Result empty =
                Cli.run(
                        kafka,
                        List.of("dlq", "replay", "--topic-dead-letters", "d6-dead"),
                        "--allowed-topics",
                        "");
        assertThat(empty.status()).isEqualTo(2);
        assertThat(empty.err()).contains("--allowed-topics needs at least one topic");
    }

    private static DeadLetter letter(String sourceTopic, String key, byte[] value) {
        return TestRecords.deadLetter("UNKNOWN_ITEM", sourceTopic, 0, 1, key, value, "test");
    }

    /**
     * embsum dlq replay of the dead letters on {@code dlq} (named {@code <prefix>dead}), on the
     * test broker, with the prefixed input topics as the allow-list.
     */
    private static Cli.Result replay(String dlq, String... options) {
        String prefix = dlq.substring(0, dlq.length() - "dead".length());
        List<String> command =
                List.of(
                        "dlq",
                        "replay",
                        "--topic-dead-letters",
                        dlq,
                        "--allowed-topics",
                        prefix + "clicks," + prefix + "content," + prefix + "impressions");
        return Cli.run(kafka, command, options);
    }
}
