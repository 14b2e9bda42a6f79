package dev.embsum.cli;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Records and payloads the command tests publish. */
final class TestRecords {

    private TestRecords() {}

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Float32 little-endian, as the embedding records hold their vectors. */
    static ByteBuffer floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.flip();
    }

    /** A CLICK at 2019-11-15T08:00:00Z without rating or impression. */
    static ClickEvent click(String eventId, String user, String item) {
        return ClickEvent.newBuilder()
                .setEventId(eventId)
                .setUserId(user)
                .setItemId(item)
                .setEventTime(Instant.parse("2019-11-15T08:00:00Z"))
                .setAction(Action.CLICK)
                .setRating(null)
                .setImpressionId(null)
                .build();
    }

    /** A dead letter the item-tokens job wrote at 2019-11-15T08:10:00Z. */
    static DeadLetter deadLetter(
            String kind,
            String topic,
            int partition,
            long offset,
            String key,
            byte[] value,
            String message) {
        return DeadLetter.newBuilder()
                .setSourceTopic(topic)
                .setPartition(partition)
                .setOffset(offset)
                .setKey(key == null ? null : ByteBuffer.wrap(utf8(key)))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setErrorKind(kind)
                .setErrorMessage(message)
                .setFailedAt(Instant.parse("2019-11-15T08:10:00Z"))
                .setJob("embsum-stream/item-tokens")
                .build();
    }
}
