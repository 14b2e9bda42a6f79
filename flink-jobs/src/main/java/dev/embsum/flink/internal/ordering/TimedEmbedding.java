package dev.embsum.flink.internal.ordering;

import dev.embsum.avro.UserEmbedding;
import java.util.Objects;

/**
 * A user embedding on its way from {@code refresh-users} to {@code version-guard}, with the
 * processing time its oldest click reached the history operator ({@code
 * RefreshRequest.first_pending_at_ms}), so the guard can measure click → emit latency without
 * putting an internal timestamp into the public UserEmbedding record, and whether it is a backfill
 * ({@code RefreshRequest.backfill}: no click to measure from).
 *
 * <p>A Flink POJO (public fields, no-arg constructor): Flink serializes it field by field, the
 * embedding with its Avro serializer. It only travels between two operators and is never kept in
 * state, so it needs no schema evolution.
 */
public final class TimedEmbedding {

    public UserEmbedding embedding;
    public long firstPendingAtMs;
    public boolean backfill;

    public TimedEmbedding() {}

    /** A refresh for new clicks. */
    public TimedEmbedding(UserEmbedding embedding, long firstPendingAtMs) {
        this(embedding, firstPendingAtMs, false);
    }

    public TimedEmbedding(UserEmbedding embedding, long firstPendingAtMs, boolean backfill) {
        this.embedding = Objects.requireNonNull(embedding, "embedding");
        this.firstPendingAtMs = firstPendingAtMs;
        this.backfill = backfill;
    }

    /** The user id, for keying. */
    public String userId() {
        return embedding.getUserId();
    }

    @Override
    public String toString() {
        return embedding.getUserId()
                + "@"
                + embedding.getHistoryVersion()
                + " "
                + embedding.getModelVersion()
                + (backfill ? " (backfill)" : " (pending since " + firstPendingAtMs + ")");
    }
}
