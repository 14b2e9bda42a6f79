package dev.embsum.flink.internal.kafka;

import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.ArchiveJob;
import dev.embsum.flink.ArchiveOptions;
import dev.embsum.flink.ArchiveSources;
import dev.embsum.flink.CommonOptions;
import dev.embsum.flink.EmbSumJob;
import dev.embsum.flink.EmbSumOptions;
import dev.embsum.flink.JobSources;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The jobs' input from Kafka: {@code clicks}, {@code content} and {@code model-releases} (and, for
 * the archive job, {@code impressions}) as undecoded {@link RawRecord}s.
 *
 * <p>A fresh consumer group starts from the earliest offsets (the content topic is compacted, so
 * the whole catalogue is read); afterwards Flink's checkpointed offsets win, and the group's
 * committed offsets (committed on each checkpoint) only serve monitoring and a start without state.
 * No watermarks: the job's timers are processing-time, except the final-watermark flush of a
 * drained stop, which Flink emits itself.
 *
 * <p>{@code model-releases} always starts from the earliest offset without state (not from the
 * group's committed offsets: a redeployment without state must see the release in effect, and the
 * serving model is not part of the group's offsets), with parallelism 1 (one partition, releases in
 * order).
 */
public final class KafkaSources implements JobSources, ArchiveSources {

    private final Configuration config;

    public KafkaSources(Configuration config) {
        this.config = config;
    }

    @Override
    public DataStream<RawRecord> clicks(StreamExecutionEnvironment env) {
        return read(env, config.get(CommonOptions.TOPIC_CLICKS), EmbSumJob.Uids.SOURCE_CLICKS);
    }

    @Override
    public DataStream<RawRecord> content(StreamExecutionEnvironment env) {
        return read(env, config.get(CommonOptions.TOPIC_CONTENT), EmbSumJob.Uids.SOURCE_CONTENT);
    }

    @Override
    public DataStream<RawRecord> impressions(StreamExecutionEnvironment env) {
        return read(
                env,
                config.get(ArchiveOptions.TOPIC_IMPRESSIONS),
                ArchiveJob.Uids.SOURCE_IMPRESSIONS);
    }

    @Override
    public DataStream<RawRecord> modelReleases(StreamExecutionEnvironment env) {
        String topic = config.get(EmbSumOptions.TOPIC_MODEL_RELEASES);
        return env.fromSource(
                        source(
                                topic,
                                EmbSumJob.Uids.SOURCE_MODEL_RELEASES,
                                OffsetsInitializer.earliest()),
                        WatermarkStrategy.noWatermarks(),
                        topic)
                .uid(EmbSumJob.Uids.SOURCE_MODEL_RELEASES)
                .setParallelism(1);
    }

    @SuppressWarnings("deprecation") // OffsetResetStrategy: the connector's API still takes it
    private DataStream<RawRecord> read(StreamExecutionEnvironment env, String topic, String uid) {
        KafkaSource<RawRecord> source =
                source(
                        topic,
                        uid,
                        OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST));
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), topic).uid(uid);
    }

    private KafkaSource<RawRecord> source(String topic, String uid, OffsetsInitializer start) {
        Properties client = KafkaClientProperties.of(config);
        return KafkaSource.<RawRecord>builder()
                .setProperties(client)
                .setTopics(topic)
                .setClientIdPrefix(config.get(CommonOptions.JOB_NAME) + "-" + uid)
                .setStartingOffsets(start)
                .setDeserializer(new RawRecordDeserializer())
                .build();
    }
}
