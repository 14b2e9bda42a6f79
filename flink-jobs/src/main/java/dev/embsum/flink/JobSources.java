package dev.embsum.flink;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.kafka.KafkaSources;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * Where the streaming job's input comes from: the event topics ({@link EventSources}) and the model
 * releases. Production reads Kafka; tests pass bounded in-memory streams.
 */
@PublicEvolving
public interface JobSources extends EventSources {

    /**
     * The {@code clicks}, {@code content} and {@code model-releases} topics of {@code config}'s
     * Kafka cluster.
     */
    static JobSources kafka(Configuration config) {
        return new KafkaSources(config);
    }

    /**
     * Records of the {@code model-releases} topic (ModelRelease, key "current"), in topic order.
     * Kafka reads the topic from its earliest offset on a start without state, so the job picks up
     * the current release (the compacted topic's newest record); a restore resumes from the
     * checkpoint (the release in effect is in the operators' state).
     *
     * <p>The default is no releases: the job serves {@code bundle.path} for its whole life (tests
     * and tools that do not exercise hot swaps).
     */
    default DataStream<RawRecord> modelReleases(StreamExecutionEnvironment env) {
        // Flink's collection source cannot be empty (it emits a first element regardless), so:
        // one number, dropped
        return env.fromSequence(0, 0)
                .uid("no-model-releases")
                .name("no model releases")
                .setParallelism(1)
                .flatMap(
                        (Long ignored, Collector<RawRecord> out) -> {},
                        TypeInformation.of(RawRecord.class))
                .uid("no-model-releases-empty")
                .name("no model releases (empty)")
                .setParallelism(1);
    }
}
