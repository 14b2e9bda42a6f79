package dev.embsum.flink;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.flink.config.JobSettings;
import dev.embsum.flink.config.OptionGroup;
import dev.embsum.flink.config.Rule;
import dev.embsum.runtime.inference.ExecutionProvider;
import dev.embsum.serde.Topic;
import java.time.Duration;
import java.util.Locale;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;

/**
 * The options of the streaming job {@link EmbSumJob}, in addition to {@link CommonOptions}; each
 * with its documented default (flink-jobs/README.md's table is generated from these declarations,
 * {@code EmbSumJob --help} prints them). {@link #SETTINGS} reads them from {@code --config FILE}
 * and flags.
 */
@PublicEvolving
public final class EmbSumOptions {

    /**
     * Declared before the options: each option registers itself here (static fields initialize in
     * order).
     */
    private static final OptionGroup DECLARED =
            new OptionGroup("EmbSumJob", EmbSumOptions::checkCombination);

    public static final ConfigOption<String> TOPIC_USER_EMBEDDINGS =
            DECLARED.add(
                    ConfigOptions.key("topic.user-embeddings")
                            .stringType()
                            .defaultValue(Topic.USER_EMBEDDINGS.defaultName())
                            .withDescription("UserEmbedding topic (key user_id, compacted)"),
                    Rule.TOPIC);

    public static final ConfigOption<String> TOPIC_CONTENT_EMBEDDINGS =
            DECLARED.add(
                    ConfigOptions.key("topic.content-embeddings")
                            .stringType()
                            .defaultValue(Topic.CONTENT_EMBEDDINGS.defaultName())
                            .withDescription("ContentEmbedding topic (key item_id, compacted)"),
                    Rule.TOPIC);

    public static final ConfigOption<String> TOPIC_MODEL_RELEASES =
            DECLARED.add(
                    ConfigOptions.key("topic.model-releases")
                            .stringType()
                            .defaultValue(Topic.MODEL_RELEASES.defaultName())
                            .withDescription(
                                    "ModelRelease topic (key \"current\", compacted): a release hot-swaps the model"),
                    Rule.TOPIC);

    public static final ConfigOption<Integer> HISTORY_SIZE =
            DECLARED.add(
                    ConfigOptions.key("history.size")
                            .intType()
                            .defaultValue(60)
                            .withDescription(
                                    "H: newest distinct items kept per user (docs/design.md 4)"),
                    Rule.atLeast(1));

    public static final ConfigOption<Duration> HISTORY_TTL =
            DECLARED.add(
                    ConfigOptions.key("history.ttl")
                            .durationType()
                            .defaultValue(Duration.ofDays(30))
                            .withDescription(
                                    "a user's history (and version guard) is dropped after this long without a click"),
                    Rule.DURATION);

    public static final ConfigOption<Duration> REFRESH_DEBOUNCE =
            DECLARED.add(
                    ConfigOptions.key("refresh.debounce")
                            .durationType()
                            .defaultValue(Duration.ofSeconds(1))
                            .withDescription("refresh this long after a user's last click"),
                    Rule.DURATION);

    public static final ConfigOption<Duration> REFRESH_MAX_DELAY =
            DECLARED.add(
                    ConfigOptions.key("refresh.max-delay")
                            .durationType()
                            .defaultValue(Duration.ofSeconds(5))
                            .withDescription(
                                    "... but at most this long after the first click not yet refreshed"
                                            + " (must be >= refresh.debounce)"),
                    Rule.DURATION);

    public static final ConfigOption<Integer> BACKFILL_USERS_PER_SECOND =
            DECLARED.add(
                    ConfigOptions.key("backfill.users-per-second")
                            .intType()
                            .defaultValue(20)
                            .withDescription(
                                    "after a model release, re-embed every user in state with the new model,"
                                            + " at most this many users per second per subtask (job-wide: times the parallelism);"
                                            + " 0 = off (users move on their next click)"),
                    Rule.atLeast(0));

    public static final ConfigOption<Duration> ITEM_UNKNOWN_TIMEOUT =
            DECLARED.add(
                    ConfigOptions.key("item.unknown-timeout")
                            .durationType()
                            .defaultValue(Duration.ofMinutes(10))
                            .withDescription(
                                    "a click for an item with no content waits this long, then goes to"
                                            + " dead-letters as UNKNOWN_ITEM"),
                    Rule.DURATION);

    public static final ConfigOption<Integer> INFERENCE_MAX_BATCH =
            DECLARED.add(
                    ConfigOptions.key("inference.max-batch")
                            .intType()
                            .defaultValue(32)
                            .withDescription(
                                    "most requests (users or items) in one model call; also the decode batch"),
                    Rule.atLeast(1));

    public static final ConfigOption<Duration> INFERENCE_MAX_WAIT =
            DECLARED.add(
                    ConfigOptions.key("inference.max-wait")
                            .durationType()
                            .defaultValue(Duration.ofMillis(50))
                            .withDescription(
                                    "longest a request waits for its micro-batch to fill (0 only with"
                                            + " inference.max-batch 1)"),
                    Rule.DURATION);

    public static final ConfigOption<Integer> INFERENCE_CAPACITY =
            DECLARED.add(
                    ConfigOptions.key("inference.capacity")
                            .intType()
                            .defaultValue(256)
                            .withDescription(
                                    "async operator capacity: requests in flight per subtask (back-pressure beyond)"),
                    Rule.atLeast(1));

    public static final ConfigOption<Duration> INFERENCE_TIMEOUT =
            DECLARED.add(
                    ConfigOptions.key("inference.timeout")
                            .durationType()
                            .defaultValue(Duration.ofMinutes(2))
                            .withDescription(
                                    "a request not answered in this time fails the job (and restarts it); must"
                                            + " cover a model swap (load + golden warm-up), which the requests queued behind it"
                                            + " wait for"),
                    Rule.DURATION);

    public static final ConfigOption<Integer> INFERENCE_INTRA_OP_THREADS =
            DECLARED.add(
                    ConfigOptions.key("inference.intra-op-threads")
                            .intType()
                            .defaultValue(1)
                            .withDescription("ONNX Runtime threads per model call; 0 = all cores"),
                    Rule.atLeast(0));

    public static final ConfigOption<ExecutionProvider> INFERENCE_EXECUTION_PROVIDER =
            DECLARED.add(
                    ConfigOptions.key("inference.execution-provider")
                            .enumType(ExecutionProvider.class)
                            .defaultValue(ExecutionProvider.CPU)
                            .withDescription(
                                    "where ONNX Runtime runs the model: cpu, or cuda (needs the"
                                            + " onnxruntime_gpu jar and a CUDA device on the TaskManager;"
                                            + " without them it falls back to the CPU with a warning, and"
                                            + " the inferenceOnGpu gauge reads 0)"),
                    Rule.oneOf(ExecutionProvider.class, p -> p.name().toLowerCase(Locale.ROOT)));

    public static final ConfigOption<Integer> INFERENCE_CUDA_DEVICE =
            DECLARED.add(
                    ConfigOptions.key("inference.cuda-device")
                            .intType()
                            .defaultValue(0)
                            .withDescription(
                                    "CUDA device ordinal when inference.execution-provider is cuda"),
                    Rule.atLeast(0));

    public static final ConfigOption<MemorySize> INFERENCE_ENCODER_CACHE =
            DECLARED.add(
                    ConfigOptions.key("inference.encoder-cache")
                            .memoryType()
                            .defaultValue(MemorySize.parse("256mb"))
                            .withDescription(
                                    "per-subtask cache of encoded sessions (exact reuse); 0 = none"),
                    Rule.MEMORY);

    public static final ConfigOption<Integer> INFERENCE_MAX_SUMMARY_TOKENS =
            DECLARED.add(
                    ConfigOptions.key("inference.max-summary-tokens")
                            .intType()
                            .defaultValue(0)
                            .withDescription(
                                    "greedy summary cap; 0 = the bundle's. Smaller changes results: tests only"),
                    Rule.atLeast(0));

    public static final ConfigOption<String> BUNDLE_PATH =
            DECLARED.add(
                    ConfigOptions.key("bundle.path")
                            .stringType()
                            .defaultValue("models/demo")
                            .withDescription(
                                    "model bundle directory the job starts with (until a release is swapped in; its"
                                            + " tokenizer and text contract are the job's for good)"),
                    Rule.TEXT);

    /**
     * The streaming job's settings: the options above, then {@link CommonOptions}. A config file
     * may also hold {@link ArchiveOptions}' (one job.conf serves both deployments). Last, so that
     * every option above is declared when it is created.
     */
    public static final JobSettings SETTINGS =
            JobSettings.of("EmbSumJob", DECLARED, CommonOptions.DECLARED)
                    .sharingConfigFilesWith(() -> ArchiveOptions.SETTINGS);

    private EmbSumOptions() {}

    private static void checkCombination(Configuration conf) {
        Duration debounce = conf.get(REFRESH_DEBOUNCE);
        Duration cap = conf.get(REFRESH_MAX_DELAY);
        if (cap.compareTo(debounce) < 0) {
            throw new InvalidConfigException(
                    REFRESH_MAX_DELAY.key()
                            + " ("
                            + Rule.DURATION.format(cap)
                            + ") must be >= "
                            + REFRESH_DEBOUNCE.key()
                            + " ("
                            + Rule.DURATION.format(debounce)
                            + "): the cap bounds the debounce; raise the cap or lower the debounce");
        }
        if (conf.get(INFERENCE_MAX_WAIT).isZero() && conf.get(INFERENCE_MAX_BATCH) > 1) {
            throw new InvalidConfigException(
                    INFERENCE_MAX_WAIT.key()
                            + " is 0, so batches never fill beyond"
                            + " what is already queued; set it to a small duration (default "
                            + Rule.DURATION.format(INFERENCE_MAX_WAIT.defaultValue())
                            + ") or set "
                            + INFERENCE_MAX_BATCH.key()
                            + " 1");
        }
    }
}
