package dev.embsum.flink.internal;

import dev.embsum.avro.state.RawRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Helpers around {@link RawRecord}, the job's undecoded input. */
public final class RawRecords {

    private RawRecords() {}

    /** The value bytes (a copy), or null for a tombstone. */
    public static byte[] value(RawRecord raw) {
        ByteBuffer buffer = raw.getValue();
        if (buffer == null) {
            return null;
        }
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    /**
     * A record that did not come from Kafka (tests, in-memory sources): partition and offset -1.
     */
    public static RawRecord unpositioned(String topic, String key, byte[] value) {
        return RawRecord.newBuilder()
                .setTopic(topic)
                .setPartition(-1)
                .setOffset(-1)
                .setKey(key == null ? null : ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .build();
    }
}
