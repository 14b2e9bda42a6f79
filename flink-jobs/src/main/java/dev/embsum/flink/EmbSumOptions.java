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
            DECLARED.topic(Topic.USER_EMBEDDINGS, "UserEmbedding topic (key user_id, compacted)");

    public static final ConfigOption<String> TOPIC_CONTENT_EMBEDDINGS =
            DECLARED.topic(
                    Topic.CONTENT_EMBEDDINGS, "ContentEmbedding topic (key item_id, compacted)");

    public static final ConfigOption<String> TOPIC_MODEL_RELEASES =
            DECLARED.topic(
                    Topic.MODEL_RELEASES,
                    "ModelRelease topic (key \"current\", compacted): a release hot-swaps the model");

    public static final ConfigOption<Integer> HISTORY_SIZE =
            DECLARED.number(
                    "history.size",
                    60,
                    1,
                    "H: newest distinct items kept per user (docs/design.md 4)");

    public static final ConfigOption<Duration> HISTORY_TTL =
            DECLARED.duration(
                    "history.ttl",
                    Duration.ofDays(30),
                    "a user's history (and version guard) is dropped after this long without a click");

    public static final ConfigOption<Duration> REFRESH_DEBOUNCE =
            DECLARED.duration(
                    "refresh.debounce",
                    Duration.ofSeconds(1),
                    "refresh this long after a user's last click");

    public static final ConfigOption<Duration> REFRESH_MAX_DELAY =
            DECLARED.duration(
                    "refresh.max-delay",
                    Duration.ofSeconds(5),
                    "... but at most this long after the first click not yet refreshed"
                            + " (must be >= refresh.debounce)");

    public static final ConfigOption<Integer> BACKFILL_USERS_PER_SECOND =
            DECLARED.number(
                    "backfill.users-per-second",
                    20,
                    0,
                    "after a model release, re-embed every user in state with the new model,"
                            + " at most this many users per second per subtask (job-wide: times the parallelism);"
                            + " 0 = off (users move on their next click)");

    public static final ConfigOption<Duration> ITEM_UNKNOWN_TIMEOUT =
            DECLARED.duration(
                    "item.unknown-timeout",
                    Duration.ofMinutes(10),
                    "a click for an item with no content waits this long, then goes to"
                            + " dead-letters as UNKNOWN_ITEM");

    public static final ConfigOption<Integer> ITEM_MAX_WAITING_CLICKS =
            DECLARED.number(
                    "item.max-waiting-clicks",
                    1000,
                    1,
                    "most clicks held for one item without content; more go to dead-letters at"
                            + " once as UNKNOWN_ITEM");

    public static final ConfigOption<Integer> ITEM_MAX_WAITING_CLICKS_TOTAL =
            DECLARED.number(
                    "item.max-waiting-clicks-total",
                    1_000_000,
                    1,
                    "most clicks held for items without content in one subtask of item-tokens;"
                            + " more go to dead-letters at once as UNKNOWN_ITEM");

    public static final ConfigOption<Integer> INFERENCE_MAX_BATCH =
            DECLARED.number(
                    "inference.max-batch",
                    32,
                    1,
                    "most requests (users or items) in one model call; also the decode batch");

    public static final ConfigOption<Duration> INFERENCE_MAX_WAIT =
            DECLARED.duration(
                    "inference.max-wait",
                    Duration.ofMillis(50),
                    "longest a request waits for its micro-batch to fill (0 only with"
                            + " inference.max-batch 1)");

    public static final ConfigOption<Integer> INFERENCE_CAPACITY =
            DECLARED.number(
                    "inference.capacity",
                    256,
                    1,
                    "async operator capacity: requests in flight per subtask (back-pressure beyond)");

    public static final ConfigOption<Duration> INFERENCE_TIMEOUT =
            DECLARED.duration(
                    "inference.timeout",
                    Duration.ofMinutes(2),
                    "a request not answered in this time fails the job (and restarts it); must"
                            + " cover a model swap (load + golden warm-up), which the requests queued behind it"
                            + " wait for");

    public static final ConfigOption<Integer> INFERENCE_INTRA_OP_THREADS =
            DECLARED.number(
                    "inference.intra-op-threads",
                    1,
                    0,
                    "ONNX Runtime threads per model call; 0 = all cores");

    public static final ConfigOption<ExecutionProvider> INFERENCE_EXECUTION_PROVIDER =
            DECLARED.choice(
                    "inference.execution-provider",
                    ExecutionProvider.CPU,
                    p -> p.name().toLowerCase(Locale.ROOT),
                    "where ONNX Runtime runs the model: cpu, or cuda (needs the"
                            + " onnxruntime_gpu jar and a CUDA device on the TaskManager;"
                            + " without them it falls back to the CPU with a warning, and"
                            + " the inferenceOnGpu gauge reads 0)");

    public static final ConfigOption<Integer> INFERENCE_CUDA_DEVICE =
            DECLARED.number(
                    "inference.cuda-device",
                    0,
                    0,
                    "CUDA device ordinal when inference.execution-provider is cuda");

    public static final ConfigOption<MemorySize> INFERENCE_ENCODER_CACHE =
            DECLARED.memory(
                    "inference.encoder-cache",
                    MemorySize.parse("256mb"),
                    "per-subtask cache of encoded sessions (exact reuse); 0 = none");

    public static final ConfigOption<Integer> INFERENCE_MAX_SUMMARY_TOKENS =
            DECLARED.number(
                    "inference.max-summary-tokens",
                    0,
                    0,
                    "greedy summary cap; 0 = the bundle's. Smaller changes results: tests only");

    public static final ConfigOption<String> BUNDLE_PATH =
            DECLARED.text(
                    "bundle.path",
                    "models/demo",
                    "model bundle directory the job starts with (until a release is swapped in; its"
                            + " tokenizer and text contract are the job's for good)");

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
