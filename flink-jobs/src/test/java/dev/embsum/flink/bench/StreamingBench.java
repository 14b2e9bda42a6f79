package dev.embsum.flink.bench;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.CommonOptions;
import dev.embsum.flink.EmbSumJob;
import dev.embsum.flink.EmbSumOptions;
import dev.embsum.flink.JobSinks;
import dev.embsum.flink.JobSources;
import dev.embsum.flink.MindSample;
import dev.embsum.flink.internal.RawRecords;
import dev.embsum.replay.MindReplay;
import dev.embsum.serde.SingleObjectCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * End-to-end streaming benchmark (not a test): the whole job on a local Flink (RocksDB, the shipped
 * bundle, default debounce and summary length) fed the MIND replay at a fixed offered click rate,
 * once per setup, in one JVM run so the ratios are comparable:
 *
 * <ul>
 *   <li>{@code micro-batched}: inference.max-batch 32, encoder cache on (the defaults);
 *   <li>{@code batch-1}: max-batch 1, the per-record pattern of other Flink ONNX integrations;
 *   <li>{@code no-cache}: max-batch 32, encoder cache off (every session re-encoded).
 * </ul>
 *
 * Clicks are replayed round-robin across users by default (users active side by side, so users are
 * refreshed repeatedly and the encoder cache matters), or in file order ({@code --order file}: each
 * user's history arrives as one burst). No checkpoints (see {@code run}).
 *
 * <p>Measured per setup: sustained clicks/s (clicks ÷ time from the first click to the last user's
 * final embedding), click → emit latency (from the moment the source emitted a click to the moment
 * the embedding that first includes it reached the sink; includes the 1 s debounce), p50 / p99, and
 * batch fill (users per model call ÷ max batch; embeddings of one model call share their
 * computed_at). Every user's final history_version is checked against the replay.
 *
 * <p>Run: {@code bash scripts/bench-streaming.sh [--users N] [--rate R]}; results go to stdout as a
 * Markdown table (docs/benchmarks/streaming.md has a recorded run).
 */
public final class StreamingBench {

    /** Per-JVM stores the source and sinks write to (the local cluster runs in this JVM). */
    private static volatile long[] emittedAtNanos;

    private static final AtomicInteger CONTENT_EMBEDDED = new AtomicInteger();
    private static final Queue<long[]> ARRIVALS =
            new ConcurrentLinkedQueue<>(); // {userIndex, version, computedAtMs, nanos}
    private static final AtomicInteger DEAD = new AtomicInteger();

    private record Setup(String name, int maxBatch, String encoderCache) {}

    private record Result(
            Setup setup,
            int clicks,
            int users,
            double seconds,
            double clicksPerSecond,
            double p50Ms,
            double p99Ms,
            int modelCalls,
            double usersPerCall,
            double batchFill,
            int refreshes) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> flags =
                new HashMap<>(
                        Map.of(
                                "--users",
                                "60",
                                "--rate",
                                "60",
                                "--data",
                                "data/mind",
                                "--bundle",
                                "models/demo",
                                "--order",
                                "round-robin"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!flags.containsKey(args[i])) {
                System.err.println("unknown flag " + args[i] + "; flags: " + flags.keySet());
                System.exit(2);
            }
            flags.put(args[i], args[i + 1]);
        }
        int users = Integer.parseInt(flags.get("--users"));
        double rate = Double.parseDouble(flags.get("--rate"));
        MindReplay replay = MindReplay.load(Path.of(flags.get("--data")), users);
        List<ClickEvent> clicks =
                switch (flags.get("--order")) {
                    case "file" -> replay.clicks;
                    case "round-robin" -> MindSample.roundRobin(byUser(replay.clicks));
                    default -> throw new IllegalArgumentException("--order is file or round-robin");
                };
        List<Setup> setups =
                List.of(
                        new Setup("micro-batched (max-batch 32, cache on)", 32, "256mb"),
                        new Setup("batch-1 (per record, cache on)", 1, "256mb"),
                        new Setup("no-cache (max-batch 32, cache off)", 32, "0"));
        List<Result> results = new ArrayList<>();
        for (Setup setup : setups) {
            System.err.printf(
                    Locale.ROOT,
                    "== %s: %d users, %d clicks at %.0f clicks/s offered%n",
                    setup.name(),
                    replay.clicksPerUser.size(),
                    replay.clicks.size(),
                    rate);
            Result r = run(setup, replay, clicks, rate, flags.get("--bundle"));
            System.err.println("   " + r);
            results.add(r);
        }
        System.out.printf(
                Locale.ROOT,
                "%n%d users, %d clicks (%s order) offered at %.0f clicks/s; parallelism 1,"
                        + " 1 ONNX thread, debounce 1s / max delay 5s, bundle summary cap, no checkpoints%n%n",
                replay.clicksPerUser.size(),
                clicks.size(),
                flags.get("--order"),
                rate);
        System.out.println(
                "| setup | clicks/s sustained | refreshes | latency p50 | latency p99 | model calls"
                        + " | users/call | batch fill |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (Result r : results) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.1f | %d | %.0f ms | %.0f ms | %d | %.2f | %.2f |%n",
                    r.setup().name(),
                    r.clicksPerSecond(),
                    r.refreshes(),
                    r.p50Ms(),
                    r.p99Ms(),
                    r.modelCalls(),
                    r.usersPerCall(),
                    r.batchFill());
        }
        Result base = results.get(0);
        for (Result r : results.subList(1, results.size())) {
            System.out.printf(
                    Locale.ROOT,
                    "%nmicro-batched vs %s: throughput %.2fx, p50 %.2fx, p99 %.2fx",
                    r.setup().name(),
                    base.clicksPerSecond() / r.clicksPerSecond(),
                    r.p50Ms() / base.p50Ms(),
                    r.p99Ms() / base.p99Ms());
        }
        System.out.println();
    }

    private static Map<String, List<ClickEvent>> byUser(List<ClickEvent> clicks) {
        Map<String, List<ClickEvent>> byUser = new java.util.LinkedHashMap<>();
        clicks.forEach(c -> byUser.computeIfAbsent(c.getUserId(), u -> new ArrayList<>()).add(c));
        return byUser;
    }

    private static Result run(
            Setup setup, MindReplay replay, List<ClickEvent> order, double rate, String bundle)
            throws Exception {
        List<String> userIds = new ArrayList<>(replay.clicksPerUser.keySet());
        Map<String, Integer> userIndex = new HashMap<>();
        for (int i = 0; i < userIds.size(); i++) {
            userIndex.put(userIds.get(i), i);
        }
        // clickOf[user][version] = index of the click that made that history_version
        int[][] clickOf = new int[userIds.size()][];
        int[] seen = new int[userIds.size()];
        for (int u = 0; u < userIds.size(); u++) {
            clickOf[u] = new int[replay.clicksPerUser.get(userIds.get(u)) + 1];
        }
        List<RawRecord> clicks = new ArrayList<>();
        SingleObjectCodec<ClickEvent> clickCodec = SingleObjectCodec.forClass(ClickEvent.class);
        for (int i = 0; i < order.size(); i++) {
            ClickEvent c = order.get(i);
            int u = userIndex.get(c.getUserId());
            clickOf[u][++seen[u]] = i;
            clicks.add(RawRecords.unpositioned("clicks", c.getUserId(), clickCodec.encode(c)));
        }
        SingleObjectCodec<ContentItem> itemCodec = SingleObjectCodec.forClass(ContentItem.class);
        List<RawRecord> content = new ArrayList<>();
        for (ContentItem item : replay.items.values()) {
            content.add(
                    RawRecords.unpositioned("content", item.getItemId(), itemCodec.encode(item)));
        }

        emittedAtNanos = new long[clicks.size()];
        CONTENT_EMBEDDED.set(0);
        ARRIVALS.clear();
        DEAD.set(0);
        int items = content.size();
        Map<String, Integer> indexOfUser = userIndex;
        JobSources sources =
                new JobSources() {
                    @Override
                    public DataStream<RawRecord> clicks(StreamExecutionEnvironment env) {
                        List<RawRecord> all = clicks;
                        DataGeneratorSource<RawRecord> paced =
                                new DataGeneratorSource<>(
                                        i -> {
                                            while (CONTENT_EMBEDDED.get()
                                                    < items) { // clicks start once the catalogue is
                                                // embedded
                                                Thread.sleep(10);
                                            }
                                            emittedAtNanos[i.intValue()] = System.nanoTime();
                                            return all.get(i.intValue());
                                        },
                                        all.size(),
                                        RateLimiterStrategy.perSecond(rate),
                                        TypeInformation.of(RawRecord.class));
                        return env.fromSource(
                                        paced, WatermarkStrategy.noWatermarks(), "paced clicks")
                                .uid("bench-clicks");
                    }

                    @Override
                    public DataStream<RawRecord> content(StreamExecutionEnvironment env) {
                        return env.fromData(content, TypeInformation.of(RawRecord.class))
                                .uid("bench-content");
                    }
                };
        JobSinks sinks =
                new JobSinks(
                        new Recording<>(
                                e ->
                                        ARRIVALS.add(
                                                new long[] {
                                                    indexOfUser.get(e.getUserId()),
                                                    e.getHistoryVersion(),
                                                    e.getComputedAt().toEpochMilli(),
                                                    System.nanoTime()
                                                })),
                        new Recording<ContentEmbedding>(e -> CONTENT_EMBEDDED.incrementAndGet()),
                        new Recording<DeadLetter>(e -> DEAD.incrementAndGet()));
        Configuration config =
                new Configuration()
                        .set(EmbSumOptions.BUNDLE_PATH, bundle)
                        .set(EmbSumOptions.INFERENCE_MAX_BATCH, setup.maxBatch())
                        .set(
                                EmbSumOptions.INFERENCE_ENCODER_CACHE,
                                MemorySize.parse(setup.encoderCache()))
                        // No checkpoints: the source blocks until the catalogue is embedded, and a
                        // blocked
                        // source would hold an aligned checkpoint's barrier at the item join.
                        .set(CommonOptions.CHECKPOINT_INTERVAL, Duration.ZERO)
                        .set(EmbSumOptions.INFERENCE_TIMEOUT, Duration.ofMinutes(30));
        Configuration conf = EmbSumJob.flinkConfiguration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        try (StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(conf)) {
            env.setParallelism(1);
            new EmbSumJob(config, sources, sinks).execute(env);
        }
        if (DEAD.get() > 0) {
            throw new IllegalStateException(
                    DEAD.get() + " dead letters: the replay should have none");
        }

        long first = Arrays.stream(emittedAtNanos).min().orElseThrow();
        long last = 0;
        long[] finalVersion = new long[userIds.size()];
        List<Double> latencies = new ArrayList<>();
        Map<Long, Integer> perCall = new HashMap<>();
        for (long[] a : ARRIVALS) {
            int u = (int) a[0];
            int version = (int) a[1];
            latencies.add((a[3] - emittedAtNanos[clickOf[u][version]]) / 1e6);
            finalVersion[u] = Math.max(finalVersion[u], version);
            last = Math.max(last, a[3]);
            perCall.merge(
                    a[2],
                    1,
                    Integer::sum); // computed_at is per model call (ms; calls ≥ 1 ms apart in
            // practice)
        }
        for (int u = 0; u < userIds.size(); u++) {
            if (finalVersion[u] != replay.clicksPerUser.get(userIds.get(u))) {
                throw new IllegalStateException(
                        "user "
                                + userIds.get(u)
                                + " ended at history_version "
                                + finalVersion[u]
                                + ", expected "
                                + replay.clicksPerUser.get(userIds.get(u)));
            }
        }
        latencies.sort(null);
        double seconds = (last - first) / 1e9;
        double usersPerCall = ARRIVALS.size() / (double) perCall.size();
        return new Result(
                setup,
                clicks.size(),
                userIds.size(),
                seconds,
                clicks.size() / seconds,
                percentile(latencies, 0.50),
                percentile(latencies, 0.99),
                perCall.size(),
                usersPerCall,
                usersPerCall / setup.maxBatch(),
                ARRIVALS.size());
    }

    private static double percentile(List<Double> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    /** A sink that hands each record to a callback in this JVM. */
    private static final class Recording<T> implements Sink<T> {
        private static final long serialVersionUID = 1L;
        private final SerializableConsumer<T> onRecord;

        Recording(SerializableConsumer<T> onRecord) {
            this.onRecord = onRecord;
        }

        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(T element, Context ctx) {
                    onRecord.accept(element);
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    private interface SerializableConsumer<T>
            extends java.util.function.Consumer<T>, java.io.Serializable {}
}
