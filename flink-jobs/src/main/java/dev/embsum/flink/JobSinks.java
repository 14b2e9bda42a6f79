package dev.embsum.flink;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.flink.internal.kafka.KafkaSinks;
import java.util.Objects;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;

/**
 * Where the job's output goes: Kafka sinks in production (keyed upserts to compacted topics),
 * collecting sinks in tests.
 */
@PublicEvolving
public record JobSinks(
        Sink<UserEmbedding> userEmbeddings,
        Sink<ContentEmbedding> contentEmbeddings,
        Sink<DeadLetter> deadLetters) {

    public JobSinks {
        Objects.requireNonNull(userEmbeddings, "userEmbeddings");
        Objects.requireNonNull(contentEmbeddings, "contentEmbeddings");
        Objects.requireNonNull(deadLetters, "deadLetters");
    }

    /**
     * Kafka sinks for {@code config}'s output topics, keyed by user_id / item_id / the original
     * key, with {@code delivery.guarantee} (exactly-once: transactions, committed per checkpoint).
     */
    public static JobSinks kafka(Configuration config) {
        return KafkaSinks.of(config);
    }
}
