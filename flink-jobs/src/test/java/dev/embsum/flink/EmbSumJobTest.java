package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.testing.EmbSumMiniCluster;
import dev.embsum.serde.DeadLetterKinds;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job end to end on a MiniCluster with RocksDB and the real bundle: 200 MIND users'
 * clicks → every user's final embedding equals an oracle that replays the same accepted clicks into
 * EngagementHistory + SessionGrouper and calls EmbSumRuntime directly. Also reads the job's own
 * metrics (refresh latency, pending refreshes, dead letters by kind) through an in-memory metric
 * reporter.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@EmbSumMiniCluster(slots = 2)
class EmbSumJobTest {

    private static final int USERS = 200;

    /** Longest MIND history replayed per user: 200 users, ~1,900 clicks, ~1,300 news. */
    private static final int MAX_HISTORY = 20;

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    // static: deleted after the MiniCluster has stopped, so no checkpoint clean-up races the
    // deletion
    @TempDir static Path checkpoints;

    @Test
    void everyUsersFinalEmbeddingEqualsTheOracle() throws Exception {
        MindSample mind = MindSample.load(USERS, MAX_HISTORY);
        assertThat(mind.clicksByUser).hasSize(USERS);
        String firstUser = mind.clicksByUser.keySet().iterator().next();
        String firstItem = mind.clicksByUser.get(firstUser).get(0).getItemId();

        // Round-robin across users (per-user order kept), plus the non-engagements.
        List<ClickEvent> clicks = mind.roundRobinClicks();
        ClickEvent lowRating = rate(firstUser, firstItem, 2, "low");
        ClickEvent highRating = rate(firstUser, firstItem, 5, "high");
        clicks.add(lowRating);
        clicks.add(highRating);
        List<RawRecord> clickRecords = new ArrayList<>(JobFixture.clickRecords(clicks));
        clickRecords.add(
                JobFixture.record("clicks", clickRecords.size(), "broken", new byte[] {1, 2, 3}));
        List<RawRecord> contentRecords = mind.contentRecords();

        try (JobFixture job = new JobFixture("e2e")) {
            JobExecutionResult result =
                    JobFixture.run(
                            new EmbSumJob(
                                    JobFixture.config(),
                                    JobFixture.sources(
                                            contentRecords,
                                            clickRecords,
                                            job.afterContent(contentRecords.size())),
                                    job.sinks()),
                            JobFixture.environment(JobFixture.flinkConfiguration(checkpoints)));

            assertThat(job.contents.results()).hasSize(contentRecords.size());
            assertThat(job.dead.results())
                    .singleElement()
                    .satisfies(
                            d -> assertThat(d.getErrorKind()).isEqualTo(DeadLetterKinds.MALFORMED));

            Map<String, List<ClickEvent>> accepted = new LinkedHashMap<>(mind.clicksByUser);
            List<ClickEvent> first = new ArrayList<>(accepted.get(firstUser));
            first.add(highRating); // RATE 2 is not an engagement
            accepted.put(firstUser, first);
            JobFixture.assertEveryUserMatchesTheOracle(
                    accepted, mind.items, job.lastEmbeddingPerUser());

            assertMetrics(result.getJobID(), job.users.results(), job.dead.results());
        }
    }

    /**
     * At parallelism 2 a user's clicks can reach the history in another order than the log's (keyed
     * by item, then by user: two clicks may take different item subtasks), and arrival order is the
     * history order by contract. So the oracle replays each user's clicks in the order the job saw
     * them, read from the final embedding's history_item_ids; that needs users who never click an
     * item twice (a repeat would move the item and hide its first position). Everything else
     * (version, summary, UPE, last event time) must still match exactly.
     */
    @Test
    void atParallelismTwoEveryUserMatchesTheOracleInTheOrderTheJobSawTheirClicks()
            throws Exception {
        MindSample mind = MindSample.load(120, MAX_HISTORY);
        Map<String, List<ClickEvent>> byUser = new LinkedHashMap<>();
        mind.clicksByUser.forEach(
                (user, clicks) -> {
                    if (clicks.stream().map(ClickEvent::getItemId).distinct().count()
                            == clicks.size()) {
                        byUser.put(user, clicks);
                    }
                });
        assertThat(byUser).hasSizeGreaterThan(100);
        List<ClickEvent> clicks = new ArrayList<>();
        mind.roundRobinClicks().stream()
                .filter(c -> byUser.containsKey(c.getUserId()))
                .forEach(clicks::add);
        List<RawRecord> contentRecords = mind.contentRecords();

        try (JobFixture job = new JobFixture("p2")) {
            StreamExecutionEnvironment env =
                    JobFixture.environment(JobFixture.flinkConfiguration(checkpoints));
            env.setParallelism(2);
            JobFixture.run(
                    new EmbSumJob(
                            JobFixture.config(),
                            JobFixture.sources(
                                    contentRecords,
                                    JobFixture.clickRecords(clicks),
                                    job.afterContent(contentRecords.size())),
                            job.sinks()),
                    env);

            Map<String, UserEmbedding> last = job.lastEmbeddingPerUser();
            Map<String, List<ClickEvent>> asSeen = new LinkedHashMap<>();
            for (Map.Entry<String, List<ClickEvent>> user : byUser.entrySet()) {
                UserEmbedding embedding = last.get(user.getKey());
                assertThat(embedding).as("embedding of %s", user.getKey()).isNotNull();
                asSeen.put(user.getKey(), JobFixture.inJobOrder(user.getValue(), embedding));
            }
            JobFixture.assertEveryUserMatchesTheOracle(asSeen, mind.items, last);
        }
    }

    private static void assertMetrics(
            JobID jobId, List<UserEmbedding> emitted, List<DeadLetter> dead) {
        Histogram latency = (Histogram) metric(jobId, "\\.refreshLatencyMs$");
        assertThat(latency.getCount())
                .as("one latency sample per emitted embedding")
                .isEqualTo(emitted.size());
        // debounced refreshes wait at least 20 ms (only the final drain flushes sooner); none
        // takes longer than the whole run
        assertThat(latency.getStatistics().getMax()).isBetween(20L, TimeUnit.MINUTES.toMillis(5));
        assertThat((Long) ((Gauge<?>) metric(jobId, "\\.refreshLatencyLastMs$")).getValue())
                .isBetween(0L, latency.getStatistics().getMax());
        assertThat(((Gauge<?>) metric(jobId, "\\.refreshesPending$")).getValue())
                .as("every pending refresh was sent by the end")
                .isEqualTo(0L);
        assertThat(((Counter) metric(jobId, "\\.deadLetters\\.MALFORMED$")).getCount())
                .isEqualTo(dead.size());
        assertThat(((Counter) metric(jobId, "\\.deadLetters\\.INVALID$")).getCount()).isZero();
    }

    private static Metric metric(JobID jobId, String identifierPattern) {
        return JobMetrics.metric(METRICS, jobId, identifierPattern);
    }

    private static ClickEvent rate(String user, String item, int rating, String tag) {
        return ClickEvent.newBuilder()
                .setEventId(user + "-rate-" + tag)
                .setUserId(user)
                .setItemId(item)
                .setEventTime(Instant.parse("2019-11-10T00:00:00Z"))
                .setAction(Action.RATE)
                .setRating(rating)
                .setImpressionId(null)
                .build();
    }
}
