package dev.embsum.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.Impression;
import dev.embsum.avro.ModelRelease;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.flink.ArchiveJob;
import dev.embsum.flink.ArchiveOptions;
import dev.embsum.flink.ArchiveSources;
import dev.embsum.flink.CommonOptions;
import dev.embsum.flink.EmbSumJob;
import dev.embsum.flink.EmbSumOptions;
import dev.embsum.flink.JobSinks;
import dev.embsum.flink.JobSources;
import dev.embsum.replay.MindReplay;
import dev.embsum.serde.SingleObjectCodec;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop of issue 9 on the embedded stack, each step's output checked:
 *
 * <ol>
 *   <li>the MIND sample replayed by {@code embsum produce} as content, impressions and clicks into
 *       an in-process Kafka broker;
 *   <li>the archive job (Flink, RocksDB, checkpoints) writes them to Avro files by event day —
 *       every produced record is there once;
 *   <li>the streaming job (demo bundle) embeds every user at their final history_version;
 *   <li>{@code python -m embsum_retrain} (tiny model, a few steps) reads the archive, trains,
 *       gates, exports, verifies and stores a bundle, and writes the ModelRelease;
 *   <li>{@code embsum release} publishes it; the streaming job hot-swaps, re-embeds the catalogue
 *       and, with no further clicks, the backfill re-embeds every user with the new model_version;
 *   <li>the next cycle warm-starts from the released model and is gated against it on the same dev
 *       day; asked for an impossible gain it is refused: both models' metrics are reported and
 *       nothing is stored or published.
 * </ol>
 *
 * Stage timings go to stdout (the closing note of issue 9 quotes them).
 *
 * <p>Over 400 lines because it is one test of one loop whose stages hand each other their outputs;
 * it reads in the order the loop runs.
 */
class ClosedLoopTest {

    private static final int USERS = 25;
    private static final Path ROOT =
            Path.of(System.getProperty("embsum.root", "..")).toAbsolutePath().normalize();

    @TempDir Path tmp;

    private final Map<String, Double> seconds = new LinkedHashMap<>();

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void eventsArchiveRetrainGateReleaseSwapAndEveryUserReEmbedded() throws Exception {
        MindReplay mind = MindReplay.load(ROOT.resolve("data/mind"), USERS);
        Path archive = tmp.resolve("archive");
        Path store = tmp.resolve("bundles");
        try (TestKafka kafka = TestKafka.start()) {
            long t = System.nanoTime();
            Cli.Result produced =
                    Cli.run(
                            "produce",
                            "--mind",
                            ROOT.resolve("data/mind").toString(),
                            "--users",
                            String.valueOf(USERS),
                            "--rate",
                            "0",
                            "--quiet",
                            "--bootstrap-servers",
                            kafka.bootstrap());
            assertThat(produced.status()).as(produced.toString()).isZero();
            lap("produce", t);

            Configuration config =
                    new Configuration()
                            .set(CommonOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrap())
                            .set(EmbSumOptions.BUNDLE_PATH, ROOT.resolve("models/demo").toString())
                            .set(EmbSumOptions.INFERENCE_MAX_SUMMARY_TOKENS, 8)
                            .set(EmbSumOptions.REFRESH_DEBOUNCE, Duration.ofMillis(100))
                            .set(EmbSumOptions.REFRESH_MAX_DELAY, Duration.ofMillis(500))
                            .set(CommonOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(1))
                            .set(EmbSumOptions.INFERENCE_TIMEOUT, Duration.ofMinutes(5))
                            .set(EmbSumOptions.BACKFILL_USERS_PER_SECOND, 50);
            // the archive's own job name, consumer group and transactional ids (embsum-archive)
            Configuration archiveConfig =
                    ArchiveOptions.SETTINGS
                            .builder()
                            .set(CommonOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrap())
                            .set(CommonOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(1))
                            .set(ArchiveOptions.ARCHIVE_PATH, archive.toUri().toString())
                            .build();

            t = System.nanoTime();
            boolean archiveRunning = true;
            JobClient archiveJob =
                    start(
                            env ->
                                    new ArchiveJob(
                                                    archiveConfig,
                                                    ArchiveSources.kafka(archiveConfig),
                                                    JobSinks.kafka(archiveConfig).deadLetters())
                                            .build(env),
                            "archive");
            JobClient streamingJob =
                    start(
                            env ->
                                    new EmbSumJob(
                                                    config,
                                                    JobSources.kafka(config),
                                                    JobSinks.kafka(config))
                                            .build(env),
                            "streaming");
            try {
                // 2. the archive holds every produced record once, by event day
                await(
                        "the archive holds every record",
                        Duration.ofMinutes(4),
                        () ->
                                count(archive, "clicks") == mind.clicks.size()
                                        && count(archive, "impressions") == mind.impressions.size()
                                        && count(archive, "content") == mind.items.size());
                lap("archive (published by checkpoints)", t);
                assertThat(read(archive, "clicks", ClickEvent.class))
                        .containsExactlyInAnyOrderElementsOf(mind.clicks);
                assertThat(read(archive, "impressions", Impression.class))
                        .containsExactlyInAnyOrderElementsOf(mind.impressions);
                assertThat(read(archive, "content", ContentItem.class))
                        .containsExactlyInAnyOrderElementsOf(mind.items.values());
                try (Stream<Path> days = Files.list(archive.resolve("impressions"))) {
                    assertThat(days.count())
                            .as("impression days (train + dev)")
                            .isGreaterThanOrEqualTo(2);
                }

                // 3. every user embedded by the demo model at their final history_version
                String demo = "demo-mind-small-1";
                await(
                        "every user embedded by " + demo,
                        Duration.ofMinutes(4),
                        () -> usersOn(kafka, demo, mind).size() == mind.clicksPerUser.size());
                lap("streaming job: every user embedded by the demo model", t);
                archiveJob.cancel().get();
                archiveRunning = false;

                // 4. retrain: archive → tiny model → gate → export → verify → store
                t = System.nanoTime();
                Retrain first = retrain(archive, store, "loop-1", "none");
                assertThat(first.exitCode())
                        .as("retrain exit code; log:\n%s", first.log())
                        .isZero();
                lap("retrain 1 (python -m embsum_retrain, tiny, 4 steps, first release)", t);
                assertThat(first.report().path("gate").path("passed").asBoolean()).isTrue();
                assertThat(
                                first.report()
                                        .path("gate")
                                        .path("candidate")
                                        .path("impressions")
                                        .asInt())
                        .isPositive();
                Path bundle = store.resolve("loop-1");
                assertThat(bundle.resolve("manifest.json")).exists();
                assertThat(store.resolve("loop-1.checkpoint.pt")).exists();

                // 5. release → hot swap → catalogue and every user on the new model
                t = System.nanoTime();
                Cli.Result released =
                        Cli.run(
                                "release",
                                bundle.toString(),
                                "--bootstrap-servers",
                                kafka.bootstrap());
                assertThat(released.status()).as(released.toString()).isZero();
                List<ModelRelease> releases = new ArrayList<>();
                SingleObjectCodec<ModelRelease> releaseCodec =
                        SingleObjectCodec.forClass(ModelRelease.class);
                for (ConsumerRecord<byte[], byte[]> r : kafka.readAll("model-releases")) {
                    releases.add(releaseCodec.decode(r.value()));
                }
                assertThat(releases)
                        .singleElement()
                        .satisfies(r -> assertThat(r.getModelVersion()).isEqualTo("loop-1"));

                await(
                        "every user re-embedded by loop-1 (backfill, no new clicks)",
                        Duration.ofMinutes(4),
                        () -> usersOn(kafka, "loop-1", mind).size() == mind.clicksPerUser.size());
                lap("release → swap → backfill of every user", t);
                await(
                        "every item re-embedded by loop-1",
                        Duration.ofMinutes(2),
                        () -> itemsOn(kafka, "loop-1") >= mind.items.size());
                for (UserEmbedding e : usersOn(kafka, "loop-1", mind).values()) {
                    assertThat(e.getM()).as("the tiny model's UPE codes").isEqualTo(4);
                }

                // 6. the next cycle warm-starts from the serving model and is gated against it on
                //    the same dev day; a margin of -1 demands an AUC gain no model can have, so the
                //    gate refuses (exit 3): both metric sets are reported and nothing is stored.
                t = System.nanoTime();
                Retrain second =
                        retrain(
                                archive,
                                store,
                                "loop-2",
                                store.resolve("loop-1").toString(),
                                "--margin",
                                "-1");
                lap("retrain 2 (warm start from loop-1, gated against it)", t);
                assertThat(second.exitCode())
                        .as("gate refusal exit code; log:\n%s", second.log())
                        .isEqualTo(3);
                JsonNode gate = second.report().path("gate");
                assertThat(gate.path("passed").asBoolean(true)).isFalse();
                assertThat(gate.path("serving").path("auc").isNumber())
                        .as("serving model evaluated: %s", gate)
                        .isTrue();
                assertThat(gate.path("candidate").path("auc").isNumber())
                        .as("new model evaluated: %s", gate)
                        .isTrue();
                assertThat(store.resolve("loop-2")).doesNotExist();
                assertThat(kafka.readAll("model-releases")).hasSize(1);
            } finally {
                streamingJob.cancel();
                if (archiveRunning) {
                    archiveJob.cancel();
                }
            }
        }
        System.out.println("closed loop stage timings (s): " + seconds);
    }

    private record Retrain(int exitCode, JsonNode report, String log) {}

    /** {@code python -m embsum_retrain} on the archive with the tiny preset; its report and log. */
    private Retrain retrain(
            Path archive, Path store, String version, String serving, String... more)
            throws Exception {
        Path work = tmp.resolve("retrain-" + version);
        List<String> command =
                new ArrayList<>(
                        List.of(
                                python(),
                                "-m",
                                "embsum_retrain",
                                "--archive",
                                archive.toString(),
                                "--bundle-store",
                                store.toString(),
                                "--serving-bundle",
                                serving,
                                "--preset",
                                "tiny",
                                "--model-version",
                                version,
                                "--work-dir",
                                work.toString(),
                                "--cache-dir",
                                tmp.resolve("token-cache").toString(),
                                "--teacher-cache",
                                tmp.resolve("teacher-cache").toString(),
                                "--threads",
                                "1"));
        command.addAll(List.of(more));
        Path logFile = tmp.resolve("retrain-" + version + ".log");
        Process process =
                new ProcessBuilder(command)
                        .directory(ROOT.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(logFile.toFile())
                        .start();
        process.getOutputStream().close();
        boolean done = process.waitFor(8, TimeUnit.MINUTES);
        String log = Files.readString(logFile);
        assertThat(done).as("retrain %s finished in 8 min; log:\n%s", version, log).isTrue();
        assertThat(work.resolve("retrain.json"))
                .as("report of %s; log:\n%s", version, log)
                .exists();
        JsonNode report = new ObjectMapper().readTree(work.resolve("retrain.json").toFile());
        System.out.println("retrain " + version + " gate: " + report.path("gate"));
        System.out.println("retrain " + version + " stages: " + report.path("stages"));
        return new Retrain(process.exitValue(), report, log);
    }

    private interface Graph {
        void build(StreamExecutionEnvironment env) throws Exception;
    }

    private JobClient start(Graph graph, String name) throws Exception {
        Configuration conf = EmbSumJob.flinkConfiguration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        conf.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                tmp.resolve("checkpoints-" + name).toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        graph.build(env);
        return env.executeAsync(name);
    }

    /** Each user's newest embedding of {@code model} at the user's final history_version. */
    private static Map<String, UserEmbedding> usersOn(
            TestKafka kafka, String model, MindReplay mind) {
        SingleObjectCodec<UserEmbedding> codec = SingleObjectCodec.forClass(UserEmbedding.class);
        Map<String, UserEmbedding> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readAll("user-embeddings")) {
            UserEmbedding e = codec.decode(r.value());
            Integer last = mind.clicksPerUser.get(e.getUserId());
            if (e.getModelVersion().equals(model)
                    && last != null
                    && e.getHistoryVersion() == last) {
                out.put(e.getUserId(), e);
            }
        }
        return out;
    }

    private static long itemsOn(TestKafka kafka, String model) {
        SingleObjectCodec<ContentEmbedding> codec =
                SingleObjectCodec.forClass(ContentEmbedding.class);
        return kafka.readAll("content-embeddings").stream()
                .map(r -> codec.decode(r.value()))
                .filter(e -> e.getModelVersion().equals(model))
                .map(ContentEmbedding::getItemId)
                .distinct()
                .count();
    }

    /** Published (not hidden) part files of one topic of the archive. */
    private static List<File> parts(Path archive, String topic) throws IOException {
        Path dir = archive.resolve(topic);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .map(Path::toFile)
                    .toList();
        }
    }

    private static <T extends SpecificRecordBase> List<T> read(
            Path archive, String topic, Class<T> type) throws IOException {
        List<T> out = new ArrayList<>();
        for (File f : parts(archive, topic)) {
            try (DataFileReader<T> reader =
                    new DataFileReader<>(f, new SpecificDatumReader<>(type))) {
                reader.forEach(out::add);
            }
        }
        return out;
    }

    private static long count(Path archive, String topic) {
        try {
            long n = 0;
            for (File f : parts(archive, topic)) {
                try (DataFileReader<Object> reader =
                        new DataFileReader<>(f, new SpecificDatumReader<>())) {
                    while (reader.hasNext()) {
                        reader.next();
                        n++;
                    }
                }
            }
            return n;
        } catch (IOException e) {
            return -1; // a file being renamed into place: look again
        }
    }

    private static String python() {
        Path python = ROOT.resolve(".venv/bin/python");
        assertThat(python)
                .as("the project's Python venv (bash scripts/setup.sh creates it)")
                .exists();
        return python.toString();
    }

    private void lap(String stage, long startNanos) {
        seconds.put(stage, Math.round((System.nanoTime() - startNanos) / 1e7) / 100.0);
        System.out.printf("closed loop: %s in %.1f s%n", stage, seconds.get(stage));
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(500);
        }
    }
}
