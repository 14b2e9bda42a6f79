package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.TestReleases;
import dev.embsum.flink.testing.EmbSumMiniCluster;
import dev.embsum.runtime.TestBundle;
import dev.embsum.serde.DeadLetterKinds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/design.md 6.6 on a MiniCluster (RocksDB, parallelism 2, the real bundle): mid-stream, a
 * release of a second bundle arrives, then a damaged one, then one that fails its golden warm-up.
 *
 * <ol>
 *   <li>content, then the first half of every user's clicks: embeddings of model 1;
 *   <li>once every user is embedded, the releases are published: the valid one is swapped in by
 *       every subtask of both inference operators and the catalogue is re-embedded; the damaged one
 *       is refused by validate-releases (dead letter BAD_RELEASE naming the file); the one that
 *       fails its golden warm-up is refused by every inference subtask (metric), and the new model
 *       keeps serving;
 *   <li>once the metrics show all that, the second half of the clicks: every later user embedding
 *       carries the new model_version and equals an oracle running the new bundle.
 * </ol>
 *
 * The second bundle is the test bundle re-versioned ({@link TestReleases}): the same numbers under
 * another model_version, which the runtime takes from the bundle it loaded.
 */
@EmbSumMiniCluster(slots = ModelHotSwapTest.PARALLELISM)
class ModelHotSwapTest {

    private static final int SUMMARY_TOKENS = 8;
    static final int PARALLELISM = 2;
    private static final String V1 = "demo-mind-small-1";
    private static final String V2 = "demo-swap-2";
    private static final long GATE_TIMEOUT_NANOS = 90_000_000_000L;

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    /** The running test's sinks, for the gates inside the job (same JVM). */
    private static volatile Run run;

    private record Run(
            String users, String contents, String dead, int items, Map<String, Integer> phaseOne) {}

    @TempDir Path tmp;

    @Test
    void laterEmbeddingsCarryTheNewModelAndBadReleasesAreRefused() throws Exception {
        Path v2 = TestReleases.reversioned(tmp, "v2", V2);
        Path damaged = TestReleases.reversioned(tmp, "damaged", "demo-damaged");
        TestReleases.flipOneByte(damaged, "session_encoder.onnx");
        Path noGolden = TestReleases.reversioned(tmp, "no-golden", "demo-no-golden");
        TestReleases.breakGoldenKeepChecksums(noGolden);
        List<RawRecord> releases =
                List.of(
                        TestReleases.raw(TestReleases.releaseByUri(V2, v2, 1)),
                        TestReleases.raw(TestReleases.release("demo-damaged", damaged, 2)),
                        TestReleases.raw(TestReleases.release("demo-no-golden", noGolden, 3)));

        MindSample mind = MindSample.load(12, 12);
        Map<String, List<ClickEvent>> firstHalf = new LinkedHashMap<>();
        Map<String, List<ClickEvent>> secondHalf = new LinkedHashMap<>();
        Map<String, Integer> phaseOne = new HashMap<>();
        mind.clicksByUser.forEach(
                (user, clicks) -> {
                    int half = (clicks.size() + 1) / 2;
                    firstHalf.put(user, clicks.subList(0, half));
                    secondHalf.put(user, clicks.subList(half, clicks.size()));
                    phaseOne.put(user, half);
                });
        List<ClickEvent> clicks = new ArrayList<>(MindSample.roundRobin(firstHalf));
        int firstHalfCount = clicks.size();
        clicks.addAll(MindSample.roundRobin(secondHalf));
        List<RawRecord> clickRecords = JobFixture.clickRecords(clicks);
        List<RawRecord> contentRecords = mind.contentRecords();

        String name = "swap-" + System.nanoTime();
        CollectingSink<UserEmbedding> users = new CollectingSink<>(name + "-users");
        CollectingSink<ContentEmbedding> contents = new CollectingSink<>(name + "-contents");
        CollectingSink<DeadLetter> dead = new CollectingSink<>(name + "-dead");
        run = new Run(users.name(), contents.name(), dead.name(), contentRecords.size(), phaseOne);
        Configuration config =
                new Configuration()
                        .set(EmbSumOptions.BUNDLE_PATH, TestBundle.dir().toString())
                        .set(EmbSumOptions.INFERENCE_MAX_SUMMARY_TOKENS, SUMMARY_TOKENS)
                        .set(EmbSumOptions.REFRESH_DEBOUNCE, Duration.ofMillis(20))
                        .set(EmbSumOptions.REFRESH_MAX_DELAY, Duration.ofMillis(100))
                        // The swap on each user's next click alone, so every embedding's model
                        // follows from
                        // its history_version; the backfill has its own test (ModelBackfillTest).
                        .set(EmbSumOptions.BACKFILL_USERS_PER_SECOND, 0)
                        // No checkpoints: the gates below block their source task, so its barriers
                        // would
                        // never reach the two-input operators, and aligned checkpoints would hold
                        // the
                        // releases that follow a barrier on the broadcast input until the gate
                        // opens.
                        // (ContentEmbeddingFunctionTest covers the serving release across a
                        // restore.)
                        .set(CommonOptions.CHECKPOINT_INTERVAL, Duration.ZERO);
        JobSources sources =
                new JobSources() {
                    @Override
                    public DataStream<RawRecord> clicks(StreamExecutionEnvironment env) {
                        return JobFixture.stream(env, clickRecords, "test-clicks")
                                .map(new ClickGate(firstHalfCount))
                                .uid("test-click-gate")
                                .setParallelism(1);
                    }

                    @Override
                    public DataStream<RawRecord> content(StreamExecutionEnvironment env) {
                        return JobFixture.stream(env, contentRecords, "test-content");
                    }

                    @Override
                    public DataStream<RawRecord> modelReleases(StreamExecutionEnvironment env) {
                        return JobFixture.stream(env, releases, "test-releases")
                                .map(new ReleaseGate())
                                .uid("test-release-gate")
                                .setParallelism(1);
                    }
                };

        Configuration conf = EmbSumJob.flinkConfiguration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        long start = System.nanoTime();
        JobID job =
                new EmbSumJob(config, sources, new JobSinks(users, contents, dead))
                        .execute(env)
                        .getJobID();
        System.out.printf("hot-swap job ran %d ms%n", (System.nanoTime() - start) / 1_000_000);

        // the damaged release: one dead letter, naming the release and the damaged file
        assertThat(dead.results())
                .singleElement()
                .satisfies(
                        d -> {
                            assertThat(d.getErrorKind()).isEqualTo(DeadLetterKinds.BAD_RELEASE);
                            assertThat(d.getErrorMessage())
                                    .contains(
                                            "release demo-damaged",
                                            "session_encoder.onnx",
                                            "does not match");
                            assertThat(d.getSourceTopic()).isEqualTo("model-releases");
                        });

        // users: model 1 up to the release, model 2 after it, and the final embedding is the new
        // model's
        Map<String, UserEmbedding> last = new HashMap<>();
        for (UserEmbedding e : users.results()) {
            int phaseOneVersion = phaseOne.get(e.getUserId());
            assertThat(e.getModelVersion())
                    .as("user %s history_version %d", e.getUserId(), e.getHistoryVersion())
                    .isEqualTo(e.getHistoryVersion() <= phaseOneVersion ? V1 : V2);
            UserEmbedding previous = last.get(e.getUserId());
            assertThat(previous == null || previous.getHistoryVersion() <= e.getHistoryVersion())
                    .isTrue();
            last.put(e.getUserId(), e);
        }
        assertThat(last).hasSize(mind.clicksByUser.size());
        try (UserEmbeddingOracle oracle = UserEmbeddingOracle.open(v2, SUMMARY_TOKENS)) {
            for (Map.Entry<String, List<ClickEvent>> user : mind.clicksByUser.entrySet()) {
                oracle.assertMatches(
                        JobFixture.inJobOrder(user.getValue(), last.get(user.getKey())),
                        mind.items,
                        last.get(user.getKey()));
            }
        }

        // content: embedded by model 1, then the whole catalogue again by model 2 (twice: after
        // the swap and after the refused release), with the same numbers (same graphs)
        Map<String, List<ContentEmbedding>> byItem = new HashMap<>();
        contents.results()
                .forEach(c -> byItem.computeIfAbsent(c.getItemId(), k -> new ArrayList<>()).add(c));
        assertThat(byItem).hasSize(mind.items.size());
        byItem.forEach(
                (item, cpes) -> {
                    assertThat(cpes)
                            .extracting(ContentEmbedding::getModelVersion)
                            .as(item)
                            .containsExactly(V1, V2, V2);
                    assertThat(cpes.get(1).getCpe()).isEqualTo(cpes.get(0).getCpe());
                });

        // metrics of every subtask
        for (String operator : List.of("refresh users", "embed content")) {
            List<Map<String, Metric>> subtasks = JobMetrics.operatorMetrics(METRICS, job, operator);
            assertThat(subtasks)
                    .as(operator)
                    .hasSize(PARALLELISM)
                    .allSatisfy(
                            m -> {
                                assertThat(((Gauge<?>) m.get("modelVersion")).getValue())
                                        .isEqualTo(V2);
                                assertThat(((Gauge<?>) m.get("modelReleasedAtMs")).getValue())
                                        .isEqualTo(1L);
                                assertThat(((Counter) m.get("modelReleasesAccepted")).getCount())
                                        .isEqualTo(1);
                                assertThat(((Counter) m.get("modelReleasesRefused")).getCount())
                                        .isEqualTo(1);
                                assertThat(((Histogram) m.get("batchSize")).getCount())
                                        .isPositive();
                                assertThat((Double) ((Gauge<?>) m.get("batchFill")).getValue())
                                        .isBetween(0.0, 1.0);
                            });
        }
        assertThat(JobMetrics.operatorMetrics(METRICS, job, "refresh users"))
                .allSatisfy(
                        m ->
                                assertThat(
                                                (Double)
                                                        ((Gauge<?>) m.get("encoderCacheHitRate"))
                                                                .getValue())
                                        .isBetween(0.0, 1.0));
        Map<String, Metric> validation =
                JobMetrics.operatorMetrics(METRICS, job, "validate model releases").get(0);
        assertThat(((Counter) validation.get("modelReleasesVerified")).getCount()).isEqualTo(2);
        assertThat(((Counter) validation.get("modelReleasesBad")).getCount()).isEqualTo(1);
        assertThat(
                        JobMetrics.operatorMetrics(METRICS, job, "item tokens").stream()
                                .mapToLong(m -> ((Counter) m.get("itemsReEmbedded")).getCount())
                                .sum())
                .isEqualTo(2L * mind.items.size());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + GATE_TIMEOUT_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("gave up waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Publishes the releases once every user has its first-half embedding. */
    private static final class ReleaseGate extends RichMapFunction<RawRecord, RawRecord> {
        private static final long serialVersionUID = 1L;
        private transient boolean open;

        @Override
        public RawRecord map(RawRecord release) throws InterruptedException {
            if (!open) {
                Run r = run;
                await(
                        "every user's first-half embedding",
                        () -> {
                            Map<String, Long> versions = new HashMap<>();
                            for (UserEmbedding e :
                                    CollectingSink.<UserEmbedding>results(r.users())) {
                                versions.merge(e.getUserId(), e.getHistoryVersion(), Math::max);
                            }
                            return r.phaseOne().entrySet().stream()
                                    .allMatch(
                                            u ->
                                                    versions.getOrDefault(u.getKey(), 0L)
                                                            >= u.getValue());
                        });
                open = true;
            }
            return release;
        }
    }

    /**
     * Holds the first half of the clicks until the catalogue is embedded (as EmbSumJobTest), and
     * the second half until every inference subtask has swapped to the new model and refused the
     * release that fails its warm-up, and the damaged release is dead-lettered.
     */
    private static final class ClickGate extends RichMapFunction<RawRecord, RawRecord> {
        private static final long serialVersionUID = 1L;
        private final int firstHalf;
        private transient int seen;
        private transient JobID job;

        ClickGate(int firstHalf) {
            this.firstHalf = firstHalf;
        }

        @Override
        public void open(OpenContext openContext) {
            job = getRuntimeContext().getJobInfo().getJobId();
        }

        @Override
        public RawRecord map(RawRecord click) throws InterruptedException {
            Run r = run;
            if (seen == 0) {
                await(
                        "the catalogue's embeddings",
                        () -> CollectingSink.size(r.contents()) >= r.items());
            }
            if (seen == firstHalf) {
                await(
                        "the swap, the refusals and the dead letter",
                        () -> swappedAndRefused(job) && CollectingSink.size(r.dead()) >= 1);
            }
            seen++;
            return click;
        }

        private static boolean swappedAndRefused(JobID job) {
            try {
                List<Map<String, Metric>> subtasks =
                        new ArrayList<>(JobMetrics.operatorMetrics(METRICS, job, "refresh users"));
                subtasks.addAll(JobMetrics.operatorMetrics(METRICS, job, "embed content"));
                return subtasks.size() == 2 * PARALLELISM
                        && subtasks.stream()
                                .allMatch(
                                        m ->
                                                V2.equals(
                                                                ((Gauge<?>) m.get("modelVersion"))
                                                                        .getValue())
                                                        && ((Counter) m.get("modelReleasesRefused"))
                                                                        .getCount()
                                                                == 1);
            } catch (RuntimeException e) { // the reporter's maps change while the job starts
                return false;
            }
        }
    }
}
