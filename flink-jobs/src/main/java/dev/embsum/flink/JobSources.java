package dev.embsum.flink;

import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.kafka.KafkaSources;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where the job's input comes from: undecoded records with their origin, so the job itself
 * decodes and dead-letters bad ones. Production reads Kafka; tests pass bounded in-memory
 * streams. Each method is called once, while the graph is built; the source's uid and
 * watermark strategy are the implementation's to set.
 */
public interface JobSources {

    /** The {@code clicks} and {@code content} topics of {@code config}'s Kafka cluster. */
    static JobSources kafka(JobConfig config) {
        return new KafkaSources(config);
    }

    /** Records of the {@code clicks} topic (ClickEvent, key user_id). */
    DataStream<RawRecord> clicks(StreamExecutionEnvironment env);

    /** Records of the {@code content} topic (ContentItem, key item_id). */
    DataStream<RawRecord> content(StreamExecutionEnvironment env);
}
