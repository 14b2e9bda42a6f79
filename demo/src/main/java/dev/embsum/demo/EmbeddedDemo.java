package dev.embsum.demo;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.flink.CommonOptions;
import dev.embsum.flink.EmbSumJob;
import dev.embsum.flink.EmbSumOptions;
import dev.embsum.flink.JobSinks;
import dev.embsum.flink.JobSources;
import dev.embsum.flink.TopicNames;
import dev.embsum.flink.config.JobSettings;
import dev.embsum.flink.config.Rule;
import dev.embsum.replay.EmbeddedKafka;
import dev.embsum.replay.MindReplay;
import dev.embsum.replay.OutputWatcher;
import dev.embsum.runtime.bundle.BundleException;
import dev.embsum.runtime.bundle.ModelBundle;
import dev.embsum.serde.SingleObjectCodec;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The whole system on one machine, with no network: an in-process KRaft Kafka broker, the
 * embsum-stream job on a local Flink (RocksDB, checkpoints on) and the shipped demo bundle. It
 * publishes the MIND sample's news, replays its behaviors as clicks, waits until every user's
 * embedding is current, and prints a few users with their summary and top-5 recommendations scored
 * from the published embeddings. Progress goes to stderr, the report to stdout.
 */
public final class EmbeddedDemo {

    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);

    /**
     * Set by the Ctrl-C hook of --keep-running: the JVM is exiting already, System.exit would
     * block.
     */
    private static volatile boolean stoppedBySignal;

    private final DemoOptions options;
    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private final long started = System.nanoTime();
    private final AtomicLong clicksPublished = new AtomicLong();

    private EmbeddedDemo(DemoOptions options) {
        this.options = options;
    }

    public static void main(String[] args) {
        // Quiet logs unless the user configured logging: the demo reports on stdout/stderr itself.
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "embsum-demo-log4j2.properties");
        }
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (DemoOptions.UsageException e) {
            System.err.println("demo: " + e.getMessage() + "\n\n" + DemoOptions.usage());
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(DemoOptions.usage());
            return;
        }
        int status;
        try {
            status = new EmbeddedDemo(options).run();
        } catch (DemoFailure e) {
            System.err.println("demo: " + e.getMessage());
            status = 1;
        } catch (Exception e) {
            System.err.println("demo failed: " + e);
            e.printStackTrace();
            status = 1;
        }
        if (!stoppedBySignal) {
            System.exit(status); // Kafka and Flink leave non-daemon threads behind after closing
        }
    }

    /** A failure with a message that says what to do; printed without a stack trace. */
    static final class DemoFailure extends Exception {
        private static final long serialVersionUID = 1L;

        DemoFailure(String message) {
            super(message);
        }
    }

    private int run() throws Exception {
        String modelVersion = verifyBundle();
        MindReplay replay = MindReplay.load(options.data(), options.users());
        progress(
                "MIND sample: %d users, %d clicks, %d news items (%d clicks skipped: item not in news.tsv)",
                replay.clicksPerUser.size(),
                replay.clicks.size(),
                replay.items.size(),
                replay.skippedUnknownItems());

        Path checkpoints = Files.createTempDirectory("embsum-demo-checkpoints");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Configuration config = jobConfig(kafka);
            kafka.createTopics(TopicNames.of(config), 2);
            progress("Kafka (in-process KRaft) at %s; topics created", kafka.bootstrapServers());
            try (KafkaProducer<String, byte[]> producer =
                            new KafkaProducer<>(
                                    kafka.clientProperties(),
                                    new StringSerializer(),
                                    new ByteArraySerializer());
                    OutputWatcher watcher =
                            OutputWatcher.start(kafka.bootstrapServers(), TopicNames.of(config));
                    StreamExecutionEnvironment env =
                            StreamExecutionEnvironment.createLocalEnvironment(
                                    1, flinkConfiguration(checkpoints))) {
                new EmbSumJob(config, JobSources.kafka(config), JobSinks.kafka(config)).build(env);
                JobClient job = env.executeAsync(config.get(CommonOptions.JOB_NAME));
                try {
                    progress(
                            "Flink job '%s' submitted (local, RocksDB, checkpoints every %s); model %s",
                            config.get(CommonOptions.JOB_NAME),
                            Rule.DURATION.format(config.get(CommonOptions.CHECKPOINT_INTERVAL)),
                            modelVersion);
                    Thread reporter = startProgressReporter(watcher, replay);
                    try {
                        publishContent(producer, config, replay.items.values());
                        // Clicks after the catalogue is embedded: a click whose item is not
                        // yet known waits (up to item.unknown-timeout) and is overtaken by
                        // the user's later clicks.
                        awaitOrFail(
                                watcher,
                                () -> watcher.contentCount() >= replay.items.size(),
                                "content embeddings for all " + replay.items.size() + " items");
                        progress("catalogue embedded: %d items", watcher.contentCount());
                        replayClicks(producer, config, replay.clicks);
                        awaitOrFail(
                                watcher,
                                () ->
                                        DemoReport.currentUsers(watcher.users(), replay)
                                                == replay.clicksPerUser.size(),
                                "every user's embedding at its latest history_version");
                    } finally {
                        reporter.interrupt();
                        reporter.join();
                    }
                    progress(
                            "done: all %d users current; %d user embeddings, %d dead letters",
                            replay.clicksPerUser.size(),
                            watcher.userEmbeddingsReceived(),
                            watcher.deadLetterCount());
                    DemoReport.print(out, watcher, replay, options.show());
                    // One line for scripts and CI (.ci/run checks it): the outcome in numbers.
                    out.printf(
                            "demo result: %d of %d users current, %d user embeddings, %d dead letters, %.0f s%n",
                            DemoReport.currentUsers(watcher.users(), replay),
                            replay.clicksPerUser.size(),
                            watcher.userEmbeddingsReceived(),
                            watcher.deadLetterCount(),
                            seconds());
                    out.flush();
                    if (options.keepRunning()) {
                        keepRunning(kafka);
                    }
                } finally {
                    job.cancel().get();
                }
            }
        } finally {
            FileUtils.deleteDirectory(checkpoints.toFile());
        }
        progress("stopped: job cancelled, broker closed (%.0f s in all)", seconds());
        return 0;
    }

    private String verifyBundle() throws DemoFailure {
        try (ModelBundle bundle = ModelBundle.open(options.bundle())) {
            progress(
                    "model bundle %s: %s, %d files verified",
                    options.bundle(), bundle.modelVersion(), bundle.verifyReport().files());
            return bundle.modelVersion();
        } catch (BundleException e) {
            throw new DemoFailure(
                    "the model bundle at "
                            + options.bundle().toAbsolutePath()
                            + " did not verify: "
                            + e.getMessage()
                            + " (the demo bundle ships in models/demo: restore it with git, rebuild it"
                            + " with scripts/build-demo-bundle.sh, or pass --bundle DIR)");
        }
    }

    private Configuration jobConfig(EmbeddedKafka kafka) {
        JobSettings.Builder b =
                EmbSumOptions.SETTINGS
                        .builder()
                        .set(CommonOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers())
                        .set(CommonOptions.JOB_NAME, DemoOptions.JOB_NAME)
                        .set(EmbSumOptions.BUNDLE_PATH, options.bundle().toString())
                        .set(CommonOptions.CHECKPOINT_INTERVAL, DemoOptions.CHECKPOINT_INTERVAL);
        options.jobSettings().forEach((k, v) -> b.set(k, v, "flag --" + k));
        Configuration config = b.build();
        int summaryTokens = config.get(EmbSumOptions.INFERENCE_MAX_SUMMARY_TOKENS);
        if (summaryTokens != 0) {
            progress(
                    "NOTE: inference.max-summary-tokens = %d (the bundle's own cap is not used):"
                            + " summaries and embeddings differ from the model's",
                    summaryTokens);
        }
        return config;
    }

    private static Configuration flinkConfiguration(Path checkpoints) {
        Configuration conf = EmbSumJob.flinkConfiguration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        return conf;
    }

    private void publishContent(
            KafkaProducer<String, byte[]> producer,
            Configuration config,
            Collection<ContentItem> items) {
        String topic = config.get(CommonOptions.TOPIC_CONTENT);
        SingleObjectCodec<ContentItem> codec = SingleObjectCodec.forClass(ContentItem.class);
        for (ContentItem item : items) {
            producer.send(new ProducerRecord<>(topic, item.getItemId(), codec.encode(item)));
        }
        producer.flush();
        progress("published %d news items to '%s'", items.size(), topic);
    }

    /**
     * Publishes at {@code --clicks-per-second}, pacing against the start so the rate holds on
     * average.
     */
    private void replayClicks(
            KafkaProducer<String, byte[]> producer, Configuration config, List<ClickEvent> clicks)
            throws InterruptedException {
        String topic = config.get(CommonOptions.TOPIC_CLICKS);
        SingleObjectCodec<ClickEvent> codec = SingleObjectCodec.forClass(ClickEvent.class);
        double nanosPerClick = 1e9 / options.clicksPerSecond();
        long start = System.nanoTime();
        for (int i = 0; i < clicks.size(); i++) {
            long due = start + (long) (i * nanosPerClick);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            ClickEvent c = clicks.get(i);
            producer.send(new ProducerRecord<>(topic, c.getUserId(), codec.encode(c)));
            clicksPublished.incrementAndGet();
        }
        producer.flush();
        progress("published %d clicks to '%s'", clicks.size(), topic);
    }

    private Thread startProgressReporter(OutputWatcher watcher, MindReplay replay) {
        Thread t =
                new Thread(
                        () -> {
                            try {
                                while (!Thread.currentThread().isInterrupted()) {
                                    Thread.sleep(PROGRESS_EVERY.toMillis());
                                    progress(
                                            "content %d/%d embedded | clicks %d/%d published | %d user embeddings, users current %d/%d"
                                                    + " | dead letters %d",
                                            watcher.contentCount(),
                                            replay.items.size(),
                                            clicksPublished.get(),
                                            replay.clicks.size(),
                                            watcher.userEmbeddingsReceived(),
                                            DemoReport.currentUsers(watcher.users(), replay),
                                            replay.clicksPerUser.size(),
                                            watcher.deadLetterCount());
                                }
                            } catch (InterruptedException e) {
                                // stopped
                            }
                        },
                        "embsum-demo-progress");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void awaitOrFail(
            OutputWatcher watcher, java.util.function.BooleanSupplier done, String what)
            throws InterruptedException, DemoFailure {
        Duration left = options.timeout().minus(Duration.ofNanos(System.nanoTime() - started));
        if (!watcher.await(done, left.isNegative() ? Duration.ZERO : left)) {
            throw new DemoFailure(
                    "timed out after "
                            + options.timeout()
                            + " waiting for "
                            + what
                            + " (a slow machine? try fewer users, e.g. --users 50, or a longer --timeout 20min)");
        }
    }

    private void keepRunning(EmbeddedKafka kafka) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Thread main = Thread.currentThread();
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    stoppedBySignal = true;
                                    stop.countDown();
                                    try {
                                        // Let run() cancel the job and close the broker.
                                        main.join(30_000);
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                }));
        progress(
                "still running (--keep-running): Kafka at %s, topics as above. Ctrl-C stops.",
                kafka.bootstrapServers());
        stop.await();
    }

    private double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    private void progress(String format, Object... args) {
        err.printf("[%6.1fs] %s%n", seconds(), String.format(format, args));
    }
}
