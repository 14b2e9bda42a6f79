package dev.embsum.flink.internal.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.util.function.SerializableFunction;

/**
 * The Kafka record key of an output record. Keys are UTF-8 strings (docs/design.md 2), so
 * compaction keeps the newest value per user / item and the default partitioner sends one key to
 * one partition (per-key order).
 */
public final class RecordKey<T> implements SerializationSchema<T> {

    private static final long serialVersionUID = 1L;

    private final SerializableFunction<T, byte[]> key;

    private RecordKey(SerializableFunction<T, byte[]> key) {
        this.key = key;
    }

    /** A UTF-8 string key taken from the record (user_id, item_id). */
    public static <T> RecordKey<T> utf8(SerializableFunction<T, String> field) {
        return new RecordKey<>(r -> field.apply(r).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Key bytes carried by the record, unchanged (a dead letter's original key); null stays null.
     */
    public static <T> RecordKey<T> bytes(SerializableFunction<T, ByteBuffer> field) {
        return new RecordKey<>(
                r -> {
                    ByteBuffer b = field.apply(r);
                    if (b == null) {
                        return null;
                    }
                    byte[] out = new byte[b.remaining()];
                    b.duplicate().get(out);
                    return out;
                });
    }

    @Override
    public byte[] serialize(T element) {
        return key.apply(element);
    }
}
