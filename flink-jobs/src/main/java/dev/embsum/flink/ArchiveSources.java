package dev.embsum.flink;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.kafka.KafkaSources;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The archive job's input: the three event topics as undecoded records. Production reads Kafka
 * ({@link #kafka}); tests pass bounded in-memory streams.
 */
@PublicEvolving
public interface ArchiveSources extends EventSources {

    /**
     * The {@code clicks}, {@code impressions} and {@code content} topics of {@code config}'s
     * cluster.
     */
    static ArchiveSources kafka(Configuration config) {
        return new KafkaSources(config);
    }

    /** Records of the {@code impressions} topic (Impression). */
    DataStream<RawRecord> impressions(StreamExecutionEnvironment env);
}
