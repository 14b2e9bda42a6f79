package dev.embsum.flink;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.avro.state.RawRecord;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The event topics both jobs read, as undecoded records with their origin, so the jobs decode and
 * dead-letter bad ones themselves ({@link JobSources}, {@link ArchiveSources}). Production reads
 * Kafka; tests pass bounded in-memory streams. Each method is called once, while the graph is
 * built; the source's uid (and watermark strategy) are the implementation's to set.
 */
@PublicEvolving
public interface EventSources {

    /** Records of the {@code clicks} topic (ClickEvent, key user_id). */
    DataStream<RawRecord> clicks(StreamExecutionEnvironment env);

    /** Records of the {@code content} topic (ContentItem, key item_id). */
    DataStream<RawRecord> content(StreamExecutionEnvironment env);
}
