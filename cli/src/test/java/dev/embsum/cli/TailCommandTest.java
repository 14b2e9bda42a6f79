package dev.embsum.cli;

import static dev.embsum.cli.TestRecords.click;
import static dev.embsum.cli.TestRecords.deadLetter;
import static dev.embsum.cli.TestRecords.floats;
import static dev.embsum.cli.TestRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.ModelRelease;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.serde.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** {@code embsum tail}: what was published is printed readably, per record type. */
@InProcessKafka
class TailCommandTest {

    /** Set by {@link InProcessKafka}. */
    private static TestKafka kafka;

    @Test
    void userEmbeddingsShowUserVersionsVectorsAndSummary() throws Exception {
        kafka.createTopics("tail-users");
        UserEmbedding e =
                userEmbedding(
                        "U42", 7, new float[] {0.125f, -1.5f, 2.25f, 3f, 4f, 5f}, "likes football");
        kafka.send(
                "tail-users",
                utf8("U42"),
                SingleObjectCodec.forClass(UserEmbedding.class).encode(e));
        kafka.send(
                "tail-users",
                utf8("U43"),
                SingleObjectCodec.forClass(UserEmbedding.class)
                        .encode(userEmbedding("U43", 1, new float[6], null)));

        Cli.Result r = tail("tail-users", "--from-beginning", "--max", "2", "--floats", "3");
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("key \"U42\"")
                .contains(
                        "  user U42  model demo-mind-small-1  history_version 7  last_event_time 2019-11-15T08:00:00Z"
                                + "  computed_at 2019-11-15T08:00:02Z\n")
                .contains("  upe 2x3 [0.1250, -1.5000, 2.2500, ...] (3 of 6)\n")
                .contains("  history (2 items, newest last): N1 N2\n")
                .contains("  summary: \"likes football\"\n")
                .contains("  user U43 ")
                .contains("  summary: (none)\n");
        assertThat(r.err())
                .contains("tail: 'tail-users' (2 partitions) from the beginning")
                .contains("tail: 2 records");
    }

    @Test
    void deadLettersShowKindReasonSourceAndPayload() throws Exception {
        kafka.createTopics("tail-dead");
        byte[] clickBytes =
                SingleObjectCodec.forClass(ClickEvent.class).encode(click("e1", "U7", "N404"));
        SingleObjectCodec<DeadLetter> codec = SingleObjectCodec.forClass(DeadLetter.class);
        kafka.send(
                "tail-dead",
                utf8("U7"),
                codec.encode(
                        deadLetter(
                                "UNKNOWN_ITEM",
                                "clicks",
                                1,
                                57,
                                "U7",
                                clickBytes,
                                "item N404 did not arrive within 10min")));
        kafka.send(
                "tail-dead",
                utf8("U-broken"),
                codec.encode(
                        deadLetter(
                                "MALFORMED",
                                "clicks",
                                0,
                                3,
                                "U-broken",
                                new byte[] {1, 2, 3},
                                "shorter than the 10-byte single-object header")));

        Cli.Result r = tail("tail-dead", "--from-beginning", "--timeout", "2s");
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains(
                        "  UNKNOWN_ITEM from clicks[1]@57  job embsum-stream/item-tokens  failed_at 2019-11-15T08:10:00Z\n"
                                + "  reason: item N404 did not arrive within 10min\n"
                                + "  original key: \"U7\"\n"
                                + "  original value: "
                                + clickBytes.length
                                + " bytes  hex c301")
                .contains(
                        "  as a record: ClickEvent {\"event_id\": \"e1\", \"user_id\": \"U7\", \"item_id\": \"N404\"")
                .contains("  MALFORMED from clicks[0]@3")
                .contains("  original value: 3 bytes  hex 010203  text \"...\"\n")
                .contains("  as a record: no (not Avro single-object encoded (no c3 01 header))\n");
        assertThat(r.err()).contains("tail: 2 records");
    }

    @Test
    void contentEmbeddingsModelReleasesAndUndecodableValues() throws Exception {
        kafka.createTopics("tail-misc");
        ContentEmbedding c =
                ContentEmbedding.newBuilder()
                        .setItemId("N9")
                        .setModelVersion("m1")
                        .setN(1)
                        .setD(2)
                        .setCpe(floats(0.5f, 0.25f))
                        .setCpeKey(floats(-1f, 1f))
                        .build();
        kafka.send(
                "tail-misc",
                utf8("N9"),
                SingleObjectCodec.forClass(ContentEmbedding.class).encode(c));
        ModelRelease m =
                ModelRelease.newBuilder()
                        .setModelVersion("m2")
                        .setBundleUri("/models/m2")
                        .setBundleSha256("ab".repeat(32))
                        .setReleasedAt(Instant.parse("2026-01-01T00:00:00Z"))
                        .build();
        kafka.send(
                "tail-misc",
                utf8("current"),
                SingleObjectCodec.forClass(ModelRelease.class).encode(m));
        kafka.send("tail-misc", null, "plain text".getBytes(StandardCharsets.UTF_8));

        Cli.Result r = tail("tail-misc", "--from-beginning", "--max", "3");
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains(
                        "  item N9  model m1\n  cpe 1x2 [0.5000, 0.2500]\n  cpe_key 1x2 [-1.0000, 1.0000]\n")
                .contains("key \"current\"")
                .contains(
                        "  model_version m2  released_at 2026-01-01T00:00:00Z\n  bundle_uri /models/m2\n"
                                + "  bundle_sha256 "
                                + "ab".repeat(32)
                                + "\n")
                .contains("key null")
                .contains(
                        "  (not Avro single-object encoded (no c3 01 header))\n"
                                + "  value: 10 bytes  hex 706c61696e2074657874  text \"plain text\"\n");
    }

    @Test
    void keyFilterAndNewRecordsOnly() throws Exception {
        kafka.createTopics("tail-live");
        SingleObjectCodec<UserEmbedding> codec = SingleObjectCodec.forClass(UserEmbedding.class);
        kafka.send(
                "tail-live", utf8("U1"), codec.encode(userEmbedding("U1", 1, new float[6], "old")));
        // Without --from-beginning only records published after the start are shown. The tail's
        // start is not observable from here, so new records keep coming until it has printed one.
        CompletableFuture<Cli.Result> tail =
                CompletableFuture.supplyAsync(
                        () -> tail("tail-live", "--key", "U1", "--max", "1", "--timeout", "30s"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!tail.isDone() && System.nanoTime() < deadline) {
            kafka.send(
                    "tail-live",
                    utf8("U2"),
                    codec.encode(userEmbedding("U2", 5, new float[6], "other user")));
            kafka.send(
                    "tail-live",
                    utf8("U1"),
                    codec.encode(userEmbedding("U1", 2, new float[6], "new")));
            try {
                tail.get(300, TimeUnit.MILLISECONDS); // a wait on the tail, ended as soon as it has
                // printed
            } catch (TimeoutException notYet) {
                // nothing printed yet: publish another pair
            }
        }
        Cli.Result r = tail.get(60, TimeUnit.SECONDS);
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("user U1 ")
                .contains("history_version 2")
                .contains("\"new\"")
                .doesNotContain("\"old\"")
                .doesNotContain("U2");
        assertThat(r.err()).contains("from the end, new records only").contains("tail: 1 record\n");
    }

    @Test
    void unknownTopicFails() {
        Cli.Result r = tail("no-such-topic");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err())
                .contains("embsum tail: no topic 'no-such-topic' (TOPIC) on the cluster");
    }

    private static UserEmbedding userEmbedding(
            String user, long version, float[] upe, String summary) {
        return UserEmbedding.newBuilder()
                .setUserId(user)
                .setModelVersion("demo-mind-small-1")
                .setHistoryVersion(version)
                .setM(2)
                .setD(3)
                .setUpe(floats(upe))
                .setSummary(summary)
                .setHistoryItemIds(List.of("N1", "N2"))
                .setLastEventTime(Instant.parse("2019-11-15T08:00:00Z"))
                .setComputedAt(Instant.parse("2019-11-15T08:00:02Z"))
                .build();
    }

    /** embsum tail of {@code topic} on the test broker. */
    private static Cli.Result tail(String topic, String... options) {
        return Cli.run(kafka, List.of("tail", topic), options);
    }
}
