package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.TestReleases;
import dev.embsum.flink.testing.EmbSumMiniCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backfill after a model release (docs/design.md 6.6), on a MiniCluster (RocksDB, parallelism
 * 2, the real bundle): {@value #USERS} MIND users click and are embedded by model 1; then a release
 * of model 2 arrives and no user clicks again.
 *
 * <ul>
 *   <li>With the backfill on, every user's newest embedding is model 2's, once each, equal to an
 *       oracle running the second bundle, and the backfill kept to its rate: the pacers' {@code
 *       backfillEmitted} counters, sampled while it runs, took about (users of the busier subtask −
 *       1) / rate from the first emit to the last (unpaced, all would leave at once), and the last
 *       embedding was computed at least that long after the release.
 *   <li>With the backfill off, users stay on model 1 (until their next click).
 * </ul>
 *
 * The second bundle is the test bundle re-versioned ({@link TestReleases}): the same numbers under
 * another model_version. Sources are {@link ReplaySource}s: the release and the end of the release
 * topic wait for the test thread ({@link #RELEASED}, {@link #ENDABLE}), without blocking a task.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@EmbSumMiniCluster(slots = ModelBackfillTest.PARALLELISM)
class ModelBackfillTest {

    private static final int USERS = 40;
    static final int PARALLELISM = 2;
    private static final int RATE = 20; // users per second per subtask
    private static final String V1 = "demo-mind-small-1";
    private static final String V2 = "demo-backfill-2";
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final long POLL_MS = 10;

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    /**
     * Runs whose release may be published / whose release topic may end (set by the test thread).
     */
    private static final Set<String> RELEASED = ConcurrentHashMap.newKeySet();

    private static final Set<String> ENDABLE = ConcurrentHashMap.newKeySet();

    @TempDir static Path tmp;
    private static Path v2;
    private static MindSample mind;

    /** The users of the test: ones whose clicks name each item once (see {@link #inJobOrder}). */
    private static Map<String, List<ClickEvent>> clicksByUser;

    @BeforeAll
    static void data() throws Exception {
        v2 = TestReleases.reversioned(tmp, "v2", V2);
        mind = MindSample.load(2 * USERS, 8);
        clicksByUser = new LinkedHashMap<>();
        mind.clicksByUser.forEach(
                (user, clicks) -> {
                    if (clicksByUser.size() < USERS
                            && clicks.stream().map(ClickEvent::getItemId).distinct().count()
                                    == clicks.size()) {
                        clicksByUser.put(user, clicks);
                    }
                });
        assertThat(clicksByUser).hasSize(USERS);
    }

    @Test
    void afterAReleaseEveryUserIsReEmbeddedByTheNewModelAtTheConfiguredRate() throws Exception {
        try (JobFixture fixture = new JobFixture("backfill-on")) {
            Run run = start(fixture, RATE);
            try {
                awaitModelOneForEveryUser(run);
                long releasedAt = System.currentTimeMillis();
                RELEASED.add(run.name);

                // sample the pacers' counters while the backfill runs
                long firstEmitAt = -1;
                long allEmittedAt = -1;
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (allEmittedAt < 0) {
                    JobFixture.failIfEnded(run.client, "the backfill");
                    assertThat(System.nanoTime())
                            .as("backfill done within %s", WAIT)
                            .isLessThan(deadline);
                    long emitted =
                            JobMetrics.sum(METRICS, run.job, "backfill pacer", "backfillEmitted");
                    long now = System.currentTimeMillis();
                    if (emitted > 0 && firstEmitAt < 0) {
                        firstEmitAt = now;
                    }
                    if (emitted == USERS) {
                        allEmittedAt = now;
                    }
                    // the sampling interval of the counters, not a wait: the loop ends on the
                    // condition (every user emitted) and measures when it became true
                    Thread.sleep(POLL_MS);
                }
                JobFixture.await(
                        run.client, "every user on model 2", () -> everyUserOn(run, V2), WAIT);
                ENDABLE.add(run.name);
                run.client.getJobExecutionResult().get();

                // every user: model 1 until the release, then exactly one backfill embedding by
                // model 2
                Map<String, List<UserEmbedding>> byUser = byUser(fixture.users.results());
                assertThat(byUser).containsOnlyKeys(clicksByUser.keySet());
                byUser.forEach(
                        (user, embeddings) -> {
                            List<UserEmbedding> onTwo =
                                    embeddings.stream()
                                            .filter(e -> e.getModelVersion().equals(V2))
                                            .toList();
                            assertThat(onTwo).as("model 2 embeddings of %s", user).hasSize(1);
                            assertThat(embeddings.get(embeddings.size() - 1))
                                    .isSameAs(onTwo.get(0));
                            assertThat(onTwo.get(0).getHistoryVersion())
                                    .isEqualTo(clicksByUser.get(user).size());
                            assertThat(embeddings.subList(0, embeddings.size() - 1))
                                    .allSatisfy(e -> assertThat(e.getModelVersion()).isEqualTo(V1));
                        });
                Map<String, UserEmbedding> last = fixture.lastEmbeddingPerUser();
                try (UserEmbeddingOracle oracle =
                        UserEmbeddingOracle.open(v2, JobFixture.SUMMARY_TOKENS)) {
                    oracle.assertAllMatch(inJobOrder(last), mind.items, last);
                }

                // the rate: each pacer subtask sends one request per 1/RATE s; the busier one had k
                // users
                List<Long> scheduled =
                        JobMetrics.perSubtask(
                                METRICS, run.job, "user history", "backfillScheduled");
                assertThat(scheduled).hasSize(PARALLELISM);
                assertThat(scheduled.stream().mapToLong(Long::longValue).sum()).isEqualTo(USERS);
                long k = scheduled.stream().mapToLong(Long::longValue).max().orElseThrow();
                long paced = (k - 1) * 1000 / RATE;
                System.out.printf(
                        "backfill: %s users per subtask, first to last emit %d ms (>= %d ms), last"
                                + " embedding %d ms after the release%n",
                        scheduled,
                        allEmittedAt - firstEmitAt,
                        paced,
                        latestComputedAt(fixture, V2) - releasedAt);
                // sampled, so the first emit may be seen late: a quarter off (unpaced it would be
                // ~0)
                assertThat(allEmittedAt - firstEmitAt)
                        .as("first to last backfill emit (sampled every %d ms)", POLL_MS)
                        .isGreaterThanOrEqualTo(paced * 3 / 4);
                assertThat(latestComputedAt(fixture, V2) - releasedAt)
                        .as("release to the last backfill embedding")
                        .isGreaterThanOrEqualTo(paced);

                // metrics: every subtask done, users per model, backfills not in the click latency
                assertThat(
                                JobMetrics.perSubtask(
                                        METRICS, run.job, "backfill pacer", "backfillEmitted"))
                        .containsExactlyElementsOf(scheduled);
                assertThat(
                                JobMetrics.perSubtask(
                                        METRICS, run.job, "backfill pacer", "backfillPending"))
                        .containsOnly(0L);
                assertThat(
                                JobMetrics.perSubtask(
                                        METRICS, run.job, "backfill pacer", "backfillSuperseded"))
                        .containsOnly(0L);
                assertThat(JobMetrics.usersOnModel(METRICS, run.job))
                        .containsExactlyInAnyOrderEntriesOf(Map.of(V1, 0L, V2, (long) USERS));
                long clickRefreshes =
                        fixture.users.results().stream()
                                .filter(e -> e.getModelVersion().equals(V1))
                                .count();
                assertThat(
                                JobMetrics.operatorMetrics(METRICS, run.job, "never emit an older")
                                        .stream()
                                        .mapToLong(
                                                m ->
                                                        ((Histogram) m.get("refreshLatencyMs"))
                                                                .getCount())
                                        .sum())
                        .isEqualTo(clickRefreshes);
            } finally {
                stop(run);
            }
        }
    }

    @Test
    void withTheBackfillOffUsersStayOnTheOldModelUntilTheyClick() throws Exception {
        try (JobFixture fixture = new JobFixture("backfill-off")) {
            Run run = start(fixture, 0);
            try {
                awaitModelOneForEveryUser(run);
                RELEASED.add(run.name);
                JobFixture.await(
                        run.client,
                        "every refresh-users subtask serving model 2",
                        () -> {
                            List<Map<String, Metric>> subtasks =
                                    JobMetrics.operatorMetrics(METRICS, run.job, "refresh users");
                            return subtasks.size() == PARALLELISM
                                    && subtasks.stream()
                                            .allMatch(
                                                    m ->
                                                            V2.equals(
                                                                    ((Gauge<?>)
                                                                                    m.get(
                                                                                            "modelVersion"))
                                                                            .getValue()));
                        },
                        WAIT);
                // A deliberate pause, not a wait for a condition: this proves that nothing happens
                // (no backfill embedding), and there is no event or metric to wait on for an
                // absence.
                // With the backfill on, most users would be on model 2 by now.
                Thread.sleep(1_000);
                ENDABLE.add(run.name);
                run.client.getJobExecutionResult().get();

                assertThat(fixture.users.results())
                        .isNotEmpty()
                        .allSatisfy(e -> assertThat(e.getModelVersion()).isEqualTo(V1));
                assertThat(fixture.lastEmbeddingPerUser()).hasSize(USERS);
                assertThat(
                                JobMetrics.perSubtask(
                                        METRICS, run.job, "user history", "backfillScheduled"))
                        .containsOnly(0L);
                assertThat(JobMetrics.usersOnModel(METRICS, run.job))
                        .containsExactlyEntriesOf(Map.of(V1, (long) USERS));
            } finally {
                stop(run);
            }
        }
    }

    private record Run(String name, JobClient client, JobID job) {}

    /**
     * Starts the job: content, then every user's clicks, then (when the test says so) the release.
     */
    private static Run start(JobFixture fixture, int backfillRate) throws Exception {
        String name = fixture.users.name();
        List<RawRecord> content = mind.contentRecords();
        List<RawRecord> clicks = JobFixture.clickRecords(MindSample.roundRobin(clicksByUser));
        List<RawRecord> releases = List.of(TestReleases.raw(TestReleases.releaseByUri(V2, v2, 1)));
        JobSources base = JobFixture.sources(content, clicks, fixture.afterContent(content.size()));
        JobSources sources =
                new JobSources() {
                    @Override
                    public DataStream<RawRecord> clicks(StreamExecutionEnvironment env) {
                        return base.clicks(env);
                    }

                    @Override
                    public DataStream<RawRecord> content(StreamExecutionEnvironment env) {
                        return base.content(env);
                    }

                    @Override
                    public DataStream<RawRecord> modelReleases(StreamExecutionEnvironment env) {
                        // open while the job runs: processing-time timers (the pacer's) fire only
                        // then
                        return ReplaySource.of(
                                env,
                                "test-releases",
                                releases,
                                TypeInformation.of(RawRecord.class),
                                (next, atEnd, checkpointed) ->
                                        atEnd ? ENDABLE.contains(name) : RELEASED.contains(name));
                    }
                };
        Configuration config =
                JobFixture.config()
                        .set(EmbSumOptions.BACKFILL_USERS_PER_SECOND, backfillRate)
                        // no checkpoints: an aligned checkpoint would hold the release behind its
                        // barrier
                        // for up to a second, which only blurs the timing measured here
                        .set(CommonOptions.CHECKPOINT_INTERVAL, Duration.ZERO);
        Configuration conf = JobFixture.flinkConfiguration(tmp.resolve("checkpoints"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        new EmbSumJob(config, sources, fixture.sinks()).build(env);
        JobClient client = env.executeAsync(config.get(CommonOptions.JOB_NAME));
        return new Run(name, client, client.getJobID());
    }

    private static void awaitModelOneForEveryUser(Run run) throws Exception {
        JobFixture.await(
                run.client,
                "every user's final embedding by model 1",
                () -> {
                    Map<String, Long> versions = new HashMap<>();
                    for (UserEmbedding e : CollectingSink.<UserEmbedding>results(run.name)) {
                        versions.merge(e.getUserId(), e.getHistoryVersion(), Math::max);
                    }
                    return clicksByUser.entrySet().stream()
                            .allMatch(
                                    u ->
                                            versions.getOrDefault(u.getKey(), 0L)
                                                    >= u.getValue().size());
                },
                WAIT);
    }

    private static boolean everyUserOn(Run run, String model) {
        Map<String, String> newest = new HashMap<>();
        for (UserEmbedding e : CollectingSink.<UserEmbedding>results(run.name)) {
            newest.put(e.getUserId(), e.getModelVersion());
        }
        return newest.size() == USERS && newest.values().stream().allMatch(model::equals);
    }

    private static void stop(Run run) throws Exception {
        RELEASED.add(run.name);
        ENDABLE.add(run.name);
        if (!run.client.getJobStatus().get().isGloballyTerminalState()) {
            run.client.cancel().get();
        }
    }

    private static Map<String, List<UserEmbedding>> byUser(List<UserEmbedding> embeddings) {
        Map<String, List<UserEmbedding>> out = new LinkedHashMap<>();
        embeddings.forEach(e -> out.computeIfAbsent(e.getUserId(), u -> new ArrayList<>()).add(e));
        return out;
    }

    private static long latestComputedAt(JobFixture fixture, String model) {
        return fixture.users.results().stream()
                .filter(e -> e.getModelVersion().equals(model))
                .mapToLong(e -> e.getComputedAt().toEpochMilli())
                .max()
                .orElseThrow();
    }

    /** Every user's clicks in the order the job accepted them ({@link JobFixture#inJobOrder}). */
    private static Map<String, List<ClickEvent>> inJobOrder(Map<String, UserEmbedding> last) {
        Map<String, List<ClickEvent>> out = new LinkedHashMap<>();
        clicksByUser.forEach(
                (user, clicks) -> out.put(user, JobFixture.inJobOrder(clicks, last.get(user))));
        return out;
    }
}
