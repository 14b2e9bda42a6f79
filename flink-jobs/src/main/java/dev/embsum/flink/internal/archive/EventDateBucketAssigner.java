package dev.embsum.flink.internal.archive;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Puts each record in the bucket {@code dt=YYYY-MM-DD} of its own event time (UTC), not the time it
 * was written: a replay or a late event lands in the day it happened, so the trainer's "older days
 * train, newest day dev" split is by when users acted.
 */
public final class EventDateBucketAssigner<T> implements BucketAssigner<T, String> {

    private static final long serialVersionUID = 1L;
    private static final DateTimeFormatter DAY =
            DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    private final SerializableFunction<T, Instant> eventTime;

    public EventDateBucketAssigner(SerializableFunction<T, Instant> eventTime) {
        this.eventTime = eventTime;
    }

    @Override
    public String getBucketId(T element, Context context) {
        return bucketOf(eventTime.apply(element));
    }

    /** {@code dt=YYYY-MM-DD} of {@code time} in UTC. */
    public static String bucketOf(Instant time) {
        return "dt=" + DAY.format(time);
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }
}
