package dev.embsum.flink;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.state.ItemOrClick;
import dev.embsum.avro.state.ItemTokens;
import dev.embsum.avro.state.RefreshOrRelease;
import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.avro.state.TokenizedClick;
import dev.embsum.avro.state.ValidClick;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.DeadLetterCounter;
import dev.embsum.flink.internal.DeadLetters;
import dev.embsum.flink.internal.backfill.BackfillPacer;
import dev.embsum.flink.internal.batching.ContentEmbeddingFunction;
import dev.embsum.flink.internal.batching.ModelBatching;
import dev.embsum.flink.internal.batching.UserRefreshFunction;
import dev.embsum.flink.internal.click.ClickValidation;
import dev.embsum.flink.internal.content.ContentFormatting;
import dev.embsum.flink.internal.history.Debounce;
import dev.embsum.flink.internal.history.UserHistoryFunction;
import dev.embsum.flink.internal.item.ClickWaiting;
import dev.embsum.flink.internal.item.ItemOrClicks;
import dev.embsum.flink.internal.item.ItemOutputs;
import dev.embsum.flink.internal.item.ItemTokenJoin;
import dev.embsum.flink.internal.model.BundleOpener;
import dev.embsum.flink.internal.model.ModelOpener;
import dev.embsum.flink.internal.model.RefreshWithReleases;
import dev.embsum.flink.internal.model.ReleaseValidation;
import dev.embsum.flink.internal.model.Releases;
import dev.embsum.flink.internal.ordering.TimedEmbedding;
import dev.embsum.flink.internal.ordering.VersionGuard;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embsum-stream job (docs/design.md 6): content → CPE, and clicks → item join → history →
 * debounced refresh → micro-batched UPE + summary → version guard; model releases → validation →
 * broadcast → in-band hot swap of both inference operators, and a rate-limited backfill that
 * re-embeds every user with the new model. See flink-jobs/README.md for the topology, every
 * operator's uid and state, and the decisions docs/design.md leaves open.
 *
 * <p>Sources and sinks come in through the constructor (Kafka in production, in-memory in tests);
 * {@link #build} adds the graph to an environment and {@link #execute} runs it. {@link #main} runs
 * it against Kafka, configured by {@code --config FILE} and {@code --key value} flags ({@link
 * EmbSumOptions}).
 */
@PublicEvolving
public final class EmbSumJob {

    /** Stable operator uids: savepoints map state by these, so they never change. */
    public static final class Uids {
        public static final String SOURCE_CLICKS = "source-clicks";
        public static final String SOURCE_CONTENT = "source-content";
        public static final String SOURCE_MODEL_RELEASES = "source-model-releases";
        public static final String VALIDATE_CLICKS = "validate-clicks";
        public static final String FORMAT_CONTENT = "format-content";
        public static final String VALIDATE_RELEASES = "validate-releases";
        public static final String CONTENT_TO_ITEM_JOIN = "content-to-item-join";
        public static final String CLICKS_TO_ITEM_JOIN = "clicks-to-item-join";
        public static final String ITEM_TOKENS = "item-tokens";
        public static final String RELEASES_TO_REFRESH = "releases-to-refresh";
        public static final String USER_HISTORY = "user-history";
        public static final String BACKFILL_PACER = "backfill-pacer";
        public static final String REFRESH_USERS = "refresh-users";
        public static final String VERSION_GUARD = "version-guard";
        public static final String EMBED_CONTENT = "embed-content";
        public static final String SINK_USER_EMBEDDINGS = "sink-user-embeddings";
        public static final String SINK_CONTENT_EMBEDDINGS = "sink-content-embeddings";
        public static final String COUNT_DEAD_LETTERS = "count-dead-letters";
        public static final String SINK_DEAD_LETTERS = "sink-dead-letters";

        private Uids() {}
    }

    private static final Logger LOG = LoggerFactory.getLogger(EmbSumJob.class);

    private final Configuration config;
    private final JobSources sources;
    private final JobSinks sinks;
    private final ModelOpener model;

    /**
     * @param config the job's settings ({@link EmbSumOptions}, {@link CommonOptions}; usually from
     *     {@code EmbSumOptions.SETTINGS}); checked here like the loader checks a file
     * @throws InvalidConfigException if {@code config} has a key or value the job does not take
     */
    public EmbSumJob(Configuration config, JobSources sources, JobSinks sinks) {
        this.config = EmbSumOptions.SETTINGS.validate(Objects.requireNonNull(config, "config"));
        this.sources = Objects.requireNonNull(sources, "sources");
        this.sinks = Objects.requireNonNull(sinks, "sinks");
        this.model = BundleOpener.of(config);
    }

    /**
     * The Flink settings this job needs, for creating the environment: RocksDB with incremental
     * checkpoints. (Flink 2 takes the state backend from configuration only.)
     */
    public static Configuration flinkConfiguration() {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        return conf;
    }

    /** Checkpointing per {@link CommonOptions#CHECKPOINT_INTERVAL}, then the graph. */
    public void build(StreamExecutionEnvironment env) {
        Duration checkpointInterval = config.get(CommonOptions.CHECKPOINT_INTERVAL);
        if (!checkpointInterval.isZero()) {
            // Aligned (exactly-once) checkpoints whatever the delivery guarantee: the history
            // state must not count a click twice; the guarantee only changes the Kafka sinks.
            env.enableCheckpointing(checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        }
        String job = config.get(CommonOptions.JOB_NAME);

        SingleOutputStreamOperator<ValidClick> clicks =
                sources.clicks(env)
                        .process(new ClickValidation(job + "/" + Uids.VALIDATE_CLICKS))
                        .uid(Uids.VALIDATE_CLICKS)
                        .name("validate clicks");

        SingleOutputStreamOperator<ItemTokens> content =
                sources.content(env)
                        .process(new ContentFormatting(model, job + "/" + Uids.FORMAT_CONTENT))
                        .uid(Uids.FORMAT_CONTENT)
                        .name("validate + tokenize content");

        // Model releases: verified once (parallelism 1, in topic order, numbered), then broadcast
        // to
        // the operators that put them in-band: item-tokens (content path, followed by a
        // re-embedding of the catalogue) and releases-to-refresh (user path), and to user-history
        // (tags every request with the newest release; the backfill of all users).
        SingleOutputStreamOperator<VerifiedRelease> releases =
                sources.modelReleases(env)
                        .process(
                                new ReleaseValidation(
                                        config.get(EmbSumOptions.BUNDLE_PATH),
                                        job + "/" + Uids.VALIDATE_RELEASES))
                        .uid(Uids.VALIDATE_RELEASES)
                        .name("validate model releases")
                        .setParallelism(1);
        BroadcastStream<VerifiedRelease> releaseBroadcast =
                releases.broadcast(Releases.broadcastState());

        DataStream<ItemOrClick> itemsAndClicks =
                content.map(ItemOrClicks::of, ItemOrClicks.TYPE)
                        .uid(Uids.CONTENT_TO_ITEM_JOIN)
                        .name("content → item join")
                        .union(
                                clicks.map(ItemOrClicks::of, ItemOrClicks.TYPE)
                                        .uid(Uids.CLICKS_TO_ITEM_JOIN)
                                        .name("clicks → item join"));
        SingleOutputStreamOperator<TokenizedClick> joined =
                itemsAndClicks
                        .keyBy(ItemOrClicks::itemId, Types.STRING)
                        .connect(releaseBroadcast)
                        .process(
                                new ItemTokenJoin(
                                        ClickWaiting.of(config), job + "/" + Uids.ITEM_TOKENS))
                        .uid(Uids.ITEM_TOKENS)
                        .name("item tokens: state + click join");

        int backfillRate = config.get(EmbSumOptions.BACKFILL_USERS_PER_SECOND);
        Duration historyTtl = config.get(EmbSumOptions.HISTORY_TTL);
        ModelBatching batching =
                new ModelBatching(
                        model,
                        config.get(EmbSumOptions.INFERENCE_MAX_BATCH),
                        config.get(EmbSumOptions.INFERENCE_MAX_WAIT));
        long inferenceTimeoutMs = config.get(EmbSumOptions.INFERENCE_TIMEOUT).toMillis();
        int capacity = config.get(EmbSumOptions.INFERENCE_CAPACITY);
        SingleOutputStreamOperator<RefreshRequest> history =
                joined.keyBy(TokenizedClick::getUserId, Types.STRING)
                        .connect(releaseBroadcast)
                        .process(
                                new UserHistoryFunction(
                                        config.get(EmbSumOptions.HISTORY_SIZE),
                                        new Debounce(
                                                config.get(EmbSumOptions.REFRESH_DEBOUNCE)
                                                        .toMillis(),
                                                config.get(EmbSumOptions.REFRESH_MAX_DELAY)
                                                        .toMillis()),
                                        historyTtl,
                                        backfillRate > 0))
                        .uid(Uids.USER_HISTORY)
                        .name("user history + debounce");
        // user-history's output is already partitioned by user_id (each request leaves the subtask
        // that owns its user), so the pacer reads it as keyed without a shuffle and chains to it.
        // In the graph whatever the rate (0: nothing to pace), so savepoints keep one topology.
        SingleOutputStreamOperator<RefreshRequest> requests =
                DataStreamUtils.reinterpretAsKeyedStream(
                                history, RefreshRequest::getUserId, Types.STRING)
                        .process(new BackfillPacer(backfillRate))
                        .uid(Uids.BACKFILL_PACER)
                        .name("backfill pacer");

        // Forward edges into both inference operators: each subtask must receive every release
        // in-band from its upstream subtask (a rebalance would hand a release to one subtask only).
        DataStream<RefreshOrRelease> refreshInput =
                requests.connect(releaseBroadcast)
                        .process(new RefreshWithReleases())
                        .uid(Uids.RELEASES_TO_REFRESH)
                        .name("model releases in-band → refresh users");
        // Each embedding comes tagged with its request's first_pending_at_ms, for the version
        // guard's click → emit latency metric.
        SingleOutputStreamOperator<TimedEmbedding> embeddings =
                AsyncDataStream.unorderedWait(
                                refreshInput.forward(),
                                new UserRefreshFunction(batching),
                                inferenceTimeoutMs,
                                TimeUnit.MILLISECONDS,
                                capacity)
                        .uid(Uids.REFRESH_USERS)
                        .name("refresh users (micro-batched UPE)");

        embeddings
                .keyBy(TimedEmbedding::userId, Types.STRING)
                .process(new VersionGuard(historyTtl))
                .uid(Uids.VERSION_GUARD)
                .name("never emit an older history_version")
                .sinkTo(sinks.userEmbeddings())
                .uid(Uids.SINK_USER_EMBEDDINGS)
                .name("user-embeddings");

        DataStream<ContentEmbedding> cpe =
                AsyncDataStream.unorderedWait(
                                joined.getSideOutput(ItemOutputs.TO_EMBED).forward(),
                                new ContentEmbeddingFunction(batching),
                                inferenceTimeoutMs,
                                TimeUnit.MILLISECONDS,
                                capacity)
                        .uid(Uids.EMBED_CONTENT)
                        .name("embed content (micro-batched CPE)");
        cpe.sinkTo(sinks.contentEmbeddings())
                .uid(Uids.SINK_CONTENT_EMBEDDINGS)
                .name("content-embeddings");

        DataStream<DeadLetter> deadLetters =
                clicks.getSideOutput(DeadLetters.TAG)
                        .union(
                                content.getSideOutput(DeadLetters.TAG),
                                joined.getSideOutput(DeadLetters.TAG),
                                releases.getSideOutput(DeadLetters.TAG));
        deadLetters
                .map(new DeadLetterCounter())
                .uid(Uids.COUNT_DEAD_LETTERS)
                .name("count dead letters by kind")
                .sinkTo(sinks.deadLetters())
                .uid(Uids.SINK_DEAD_LETTERS)
                .name("dead-letters");
    }

    /**
     * Runs the job on Kafka: {@code --config FILE} and {@code --key value} flags (see {@link
     * EmbSumOptions#SETTINGS}; {@code kafka.*} keys go to the Kafka clients), {@code --help} lists
     * them. Submitted with {@code flink run}, it runs on that cluster; started directly, on a local
     * one.
     */
    public static void main(String[] args) throws Exception {
        Configuration config = JobArgs.parse(EmbSumOptions.SETTINGS, "embsum-stream", args);
        if (config == null) {
            return;
        }
        LOG.info("EmbSumJob settings:\n{}", EmbSumOptions.SETTINGS.describe(config));
        try (StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration())) {
            new EmbSumJob(config, JobSources.kafka(config), JobSinks.kafka(config)).execute(env);
        }
    }

    /** Builds the graph on {@code env} and runs it until the sources end (never, for Kafka). */
    public JobExecutionResult execute(StreamExecutionEnvironment env) throws Exception {
        build(env);
        return env.execute(config.get(CommonOptions.JOB_NAME));
    }
}
