package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.Records;
import dev.embsum.flink.testing.EmbSumMiniCluster;
import dev.embsum.serde.DeadLetterKinds;
import dev.embsum.serde.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input: 1,200 malformed, invalid and unknown-item clicks interleaved with 50 MIND users' good
 * clicks → every bad one is dead-lettered exactly once, with the right error kind, a reason, its
 * exact bytes and position; every good click is processed (each user's final embedding equals the
 * oracle over their good clicks); the job keeps running to the end; the per-kind dead-letter
 * counters agree.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@EmbSumMiniCluster
class EmbSumDeadLetterTest {

    private static final int BAD = 1_200;

    private static final SingleObjectCodec<ClickEvent> CLICKS =
            SingleObjectCodec.forClass(ClickEvent.class);

    /** What the dead letter of each kind of case-4 click (see {@link #badClicks}) says. */
    private static final List<String> MISSING =
            List.of("user_id is blank", "item_id is blank", "event_id is blank", "has no rating");

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @TempDir static Path checkpoints;

    /** A bad click and what its dead letter must say. */
    private record Bad(String key, byte[] value, String kind, String reason) {}

    @Test
    void everyBadClickIsDeadLetteredWithItsKindAndEveryGoodOneIsProcessed() throws Exception {
        MindSample mind = MindSample.load(50, 20);
        List<ClickEvent> good = mind.roundRobinClicks();
        List<Bad> bad = badClicks(mind, new Random(7));

        // Interleave: bad clicks spread evenly between the good ones.
        List<RawRecord> clicks = new ArrayList<>();
        Map<Long, Bad> badByOffset = new HashMap<>();
        int g = 0;
        for (int b = 0; b < bad.size(); b++) {
            for (; g < (long) (b + 1) * good.size() / bad.size(); g++) {
                clicks.add(
                        JobFixture.record(
                                "clicks",
                                clicks.size(),
                                good.get(g).getUserId(),
                                CLICKS.encode(good.get(g))));
            }
            badByOffset.put((long) clicks.size(), bad.get(b));
            clicks.add(
                    JobFixture.record(
                            "clicks", clicks.size(), bad.get(b).key(), bad.get(b).value()));
        }
        List<RawRecord> content = mind.contentRecords();

        try (JobFixture job = new JobFixture("dead-letters")) {
            // Ends only once every dead letter is out: unknown-item clicks wait in processing time.
            ReplayGate gate =
                    job.afterContent(content.size())
                            .and(ReplayGate.endOnceSinkHolds(job.dead.name(), bad.size()));
            Configuration config =
                    JobFixture.config()
                            .set(EmbSumOptions.ITEM_UNKNOWN_TIMEOUT, Duration.ofMillis(200));
            JobExecutionResult result =
                    JobFixture.run(
                            new EmbSumJob(
                                    config, JobFixture.sources(content, clicks, gate), job.sinks()),
                            JobFixture.environment(JobFixture.flinkConfiguration(checkpoints)));

            List<DeadLetter> dead = job.dead.results();
            assertThat(dead).as("one dead letter per bad click").hasSize(bad.size());
            Map<Long, DeadLetter> deadByOffset =
                    dead.stream()
                            .collect(Collectors.toMap(DeadLetter::getOffset, Function.identity()));
            assertThat(deadByOffset.keySet()).isEqualTo(badByOffset.keySet());
            for (Map.Entry<Long, Bad> e : badByOffset.entrySet()) {
                DeadLetter d = deadByOffset.get(e.getKey());
                Bad expected = e.getValue();
                assertThat(d.getErrorKind())
                        .as("kind of offset %d", e.getKey())
                        .isEqualTo(expected.kind());
                assertThat(d.getErrorMessage())
                        .as("reason of offset %d", e.getKey())
                        .contains(expected.reason());
                assertThat(d.getSourceTopic()).isEqualTo("clicks");
                assertThat(d.getPartition()).isZero();
                assertThat(bytes(d.getValue()))
                        .as("bytes of offset %d", e.getKey())
                        .isEqualTo(expected.value());
                assertThat(new String(bytes(d.getKey()), StandardCharsets.UTF_8))
                        .isEqualTo(expected.key());
                assertThat(d.getJob())
                        .endsWith(
                                expected.kind().equals(DeadLetterKinds.UNKNOWN_ITEM)
                                        ? "/" + EmbSumJob.Uids.ITEM_TOKENS
                                        : "/" + EmbSumJob.Uids.VALIDATE_CLICKS);
            }

            JobFixture.assertEveryUserMatchesTheOracle(
                    mind.clicksByUser, mind.items, job.lastEmbeddingPerUser());

            Map<String, Long> perKind =
                    bad.stream().collect(Collectors.groupingBy(Bad::kind, Collectors.counting()));
            for (String kind :
                    List.of(
                            DeadLetterKinds.MALFORMED,
                            DeadLetterKinds.INVALID,
                            DeadLetterKinds.UNKNOWN_ITEM)) {
                Counter counter =
                        (Counter)
                                JobMetrics.metric(
                                        METRICS,
                                        result.getJobID(),
                                        "\\.deadLetters\\." + kind + "$");
                assertThat(counter.getCount())
                        .as("deadLetters.%s", kind)
                        .isEqualTo(perKind.get(kind));
            }
        }
    }

    /** 1,200 bad clicks, 200 of each sort; invalid and unknown-item ones come from real users. */
    private static List<Bad> badClicks(MindSample mind, Random random) {
        List<String> users = new ArrayList<>(mind.clicksByUser.keySet());
        List<String> items = new ArrayList<>(mind.items.keySet());
        ContentItem anItem = mind.items.values().iterator().next();
        List<Bad> bad = new ArrayList<>(BAD);
        for (int i = 0; i < BAD; i++) {
            String user = users.get(i % users.size());
            String item = items.get(random.nextInt(items.size()));
            String id = "bad-" + i;
            bad.add(
                    switch (i % 6) {
                        case 0 -> { // garbage: random bytes, sometimes empty or with the right
                            // magic
                            byte[] value = new byte[random.nextInt(40)];
                            random.nextBytes(value);
                            if (value.length > 2 && random.nextBoolean()) {
                                value[0] = (byte) 0xC3;
                                value[1] = 0x01;
                            }
                            yield new Bad(user, value, DeadLetterKinds.MALFORMED, "");
                        }
                        case 1 -> { // a valid click cut short
                            byte[] whole = CLICKS.encode(click(id, user, item, Action.CLICK, null));
                            yield new Bad(
                                    user,
                                    Arrays.copyOf(whole, 1 + random.nextInt(whole.length - 1)),
                                    DeadLetterKinds.MALFORMED,
                                    "");
                        }
                        case 2 -> // another record type on the clicks topic
                                new Bad(
                                        user,
                                        SingleObjectCodec.forClass(ContentItem.class)
                                                .encode(anItem),
                                        DeadLetterKinds.MALFORMED,
                                        "WRONG_TYPE");
                        case 3 -> { // rating out of 1..5, on a CLICK or a RATE
                            int rating = List.of(0, 6, 9, -1, 100).get(random.nextInt(5));
                            Action action = random.nextBoolean() ? Action.CLICK : Action.RATE;
                            yield invalid(
                                    user, click(id, user, item, action, rating), "outside 1..5");
                        }
                        case 4 -> { // a missing id, or a RATE without a rating
                            int which = random.nextInt(4);
                            ClickEvent broken =
                                    switch (which) {
                                        case 0 -> click(id, "", item, Action.CLICK, null);
                                        case 1 -> click(id, user, " ", Action.CLICK, null);
                                        case 2 -> click("", user, item, Action.CLICK, null);
                                        default -> click(id, user, item, Action.RATE, null);
                                    };
                            yield invalid(user, broken, MISSING.get(which));
                        }
                        default -> // a click on an item the catalogue never gets
                                new Bad(
                                        user,
                                        CLICKS.encode(
                                                click(
                                                        id,
                                                        user,
                                                        "N-unknown-" + i,
                                                        Action.CLICK,
                                                        null)),
                                        DeadLetterKinds.UNKNOWN_ITEM,
                                        "no content for item N-unknown-" + i);
                    });
        }
        return bad;
    }

    /** A click that decodes but breaks a rule: an INVALID dead letter saying {@code reason}. */
    private static Bad invalid(String key, ClickEvent click, String reason) {
        return new Bad(key, CLICKS.encode(click), DeadLetterKinds.INVALID, reason);
    }

    /** A click on the day of the MIND sample. */
    private static ClickEvent click(
            String id, String user, String item, Action action, Integer rating) {
        return Records.click(id, user, item, action, rating, Instant.parse("2019-11-10T00:00:00Z"));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
