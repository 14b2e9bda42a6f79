package dev.embsum.flink;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.Impression;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.DeadLetters;
import dev.embsum.flink.internal.archive.DecodeForArchive;
import dev.embsum.flink.internal.archive.EventDateBucketAssigner;
import dev.embsum.flink.internal.kafka.KafkaSinks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.avro.AvroWriters;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.apache.flink.util.function.SerializableFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event archive (issue 9): {@code clicks}, {@code impressions} and {@code content} → Avro
 * object container files under {@code archive.path}, one folder per topic and event day:
 *
 * <pre>
 *   {archive.path}/clicks/dt=2019-11-14/part-&lt;uuid&gt;-&lt;n&gt;.avro      (ClickEvent, by event_time)
 *   {archive.path}/impressions/dt=2019-11-14/part-...avro      (Impression, by event_time)
 *   {archive.path}/content/dt=2019-11-14/part-...avro          (ContentItem, by updated_at)
 * </pre>
 *
 * <p>Exactly once: Flink's FileSink writes bulk formats into hidden in-progress files and publishes
 * them (an atomic rename) only when the checkpoint that covers them completes, so after a failure
 * the archive holds each record once. A file becomes visible one checkpoint interval after its
 * records arrive. Readers must skip names starting with "." or "_".
 *
 * <p>It is a separate job, not a branch of {@link EmbSumJob}: the archive may lag, restart or be
 * rescaled without touching the embeddings, and it keeps its own consumer group. Undecodable bytes
 * go to {@code dead-letters} (job name {@code embsum-archive}); everything decodable is archived as
 * sent.
 */
@PublicEvolving
public final class ArchiveJob {

    /** Stable operator uids: savepoints map state by these, so they never change. */
    public static final class Uids {
        public static final String SOURCE_CLICKS = EmbSumJob.Uids.SOURCE_CLICKS;
        public static final String SOURCE_IMPRESSIONS = "source-impressions";
        public static final String SOURCE_CONTENT = EmbSumJob.Uids.SOURCE_CONTENT;
        public static final String SINK_DEAD_LETTERS = EmbSumJob.Uids.SINK_DEAD_LETTERS;

        /** {@code decode-<topic>}: bytes → record. */
        public static String decode(String topic) {
            return "decode-" + topic;
        }

        /** {@code archive-<topic>}: the FileSink of one topic. */
        public static String archive(String topic) {
            return "archive-" + topic;
        }

        private Uids() {}
    }

    private static final Logger LOG = LoggerFactory.getLogger(ArchiveJob.class);

    private final Configuration config;
    private final ArchiveSources sources;
    private final Sink<DeadLetter> deadLetters;

    /**
     * @param config the job's settings ({@link ArchiveOptions}, {@link CommonOptions}; usually from
     *     {@code ArchiveOptions.SETTINGS}, which also gives the archive its own job name, group and
     *     transactional ids); checked here like the loader checks a file
     * @throws InvalidConfigException if {@code config} has a key or value the job does not take, or
     *     no checkpoints (the archive publishes its files on checkpoints)
     */
    public ArchiveJob(Configuration config, ArchiveSources sources, Sink<DeadLetter> deadLetters) {
        // A Configuration made in code must not leave the archive in the streaming job's
        // consumer group or transactional ids: the archive's own names apply here too.
        this.config =
                ArchiveOptions.SETTINGS.validate(
                        ArchiveOptions.SETTINGS.withJobDefaults(
                                Objects.requireNonNull(config, "config")));
        this.sources = Objects.requireNonNull(sources, "sources");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
    }

    public void build(StreamExecutionEnvironment env) {
        env.enableCheckpointing(
                config.get(CommonOptions.CHECKPOINT_INTERVAL).toMillis(),
                CheckpointingMode.EXACTLY_ONCE);
        List<DataStream<DeadLetter>> rejected = new ArrayList<>();
        rejected.add(
                archive(sources.clicks(env), "clicks", ClickEvent.class, ClickEvent::getEventTime));
        rejected.add(
                archive(
                        sources.impressions(env),
                        "impressions",
                        Impression.class,
                        Impression::getEventTime));
        rejected.add(
                archive(
                        sources.content(env),
                        "content",
                        ContentItem.class,
                        ContentItem::getUpdatedAt));
        rejected.get(0)
                .union(rejected.get(1), rejected.get(2))
                .sinkTo(deadLetters)
                .uid(Uids.SINK_DEAD_LETTERS)
                .name("dead-letters");
    }

    /**
     * One topic: decode → FileSink by event day. Returns the undecodable records as dead letters.
     */
    private <T extends SpecificRecordBase> DataStream<DeadLetter> archive(
            DataStream<RawRecord> raw,
            String topic,
            Class<T> type,
            SerializableFunction<T, Instant> eventTime) {
        SingleOutputStreamOperator<T> records =
                raw.process(
                                new DecodeForArchive<>(
                                        type,
                                        config.get(CommonOptions.JOB_NAME)
                                                + "/"
                                                + Uids.decode(topic)),
                                new AvroTypeInfo<>(type))
                        .uid(Uids.decode(topic))
                        .name("decode " + topic);
        FileSink<T> sink =
                FileSink.forBulkFormat(
                                new Path(config.get(ArchiveOptions.ARCHIVE_PATH), topic),
                                AvroWriters.forSpecificRecord(type))
                        .withBucketAssigner(new EventDateBucketAssigner<>(eventTime))
                        // bulk formats can only roll (and publish) on checkpoints
                        .withRollingPolicy(OnCheckpointRollingPolicy.build())
                        .withOutputFileConfig(
                                OutputFileConfig.builder()
                                        .withPartPrefix("part")
                                        .withPartSuffix(".avro")
                                        .build())
                        .build();
        records.sinkTo(sink).uid(Uids.archive(topic)).name("archive " + topic);
        return records.getSideOutput(DeadLetters.TAG);
    }

    /** Builds the graph on {@code env} and runs it until the sources end (never, for Kafka). */
    public JobExecutionResult execute(StreamExecutionEnvironment env) throws Exception {
        build(env);
        return env.execute(config.get(CommonOptions.JOB_NAME));
    }

    /**
     * Runs the archive on Kafka: {@code --config FILE} and {@code --key value} flags ({@link
     * ArchiveOptions#SETTINGS}; the file may be the streaming job's, whose own keys are checked and
     * ignored). Left at their defaults, job.name, kafka.group.id and
     * delivery.transactional-id-prefix become {@code embsum-archive} so the two jobs never share a
     * consumer group or transactional ids.
     */
    public static void main(String[] args) throws Exception {
        Configuration config = JobArgs.parse(ArchiveOptions.SETTINGS, "embsum-archive", args);
        if (config == null) {
            return;
        }
        LOG.info("ArchiveJob settings:\n{}", ArchiveOptions.SETTINGS.describe(config));
        try { // ArchiveJob checks the settings again, as for a Configuration made in code
            try (StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(
                            EmbSumJob.flinkConfiguration())) {
                new ArchiveJob(config, ArchiveSources.kafka(config), KafkaSinks.deadLetters(config))
                        .execute(env);
            }
        } catch (InvalidConfigException e) {
            JobArgs.exit("embsum-archive", e);
        }
    }
}
