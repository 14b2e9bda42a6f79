package dev.embsum.flink.internal;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.state.ItemTokens;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.avro.state.TokenizedClick;
import dev.embsum.avro.state.ValidClick;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.serde.SingleObjectCodec;
import java.time.Instant;

/** Small builders for the operator tests. */
public final class Records {

    private Records() {}

    public static ClickEvent click(
            String eventId, String user, String item, Action action, Integer rating) {
        return ClickEvent.newBuilder()
                .setEventId(eventId)
                .setUserId(user)
                .setItemId(item)
                .setEventTime(Instant.ofEpochMilli(1_000))
                .setAction(action)
                .setRating(rating)
                .setImpressionId(null)
                .build();
    }

    public static RawRecord raw(ClickEvent click) {
        return RawRecords.unpositioned(
                "clicks",
                click.getUserId(),
                SingleObjectCodec.forClass(ClickEvent.class).encode(click));
    }

    public static ValidClick valid(String eventId, String user, String item) {
        return ValidClick.newBuilder()
                .setEventId(eventId)
                .setUserId(user)
                .setItemId(item)
                .setEventTimeMs(1_000)
                .setOrigin(raw(click(eventId, user, item, Action.CLICK, null)))
                .build();
    }

    public static ItemTokens item(String item, long updatedAt, int... tokens) {
        return ItemTokens.newBuilder()
                .setItemId(item)
                .setUpdatedAtMs(updatedAt)
                .setDeleted(false)
                .setTokens(TokenBytes.pack(tokens))
                .build();
    }

    public static ItemTokens deleted(String item, long updatedAt) {
        return ItemTokens.newBuilder()
                .setItemId(item)
                .setUpdatedAtMs(updatedAt)
                .setDeleted(true)
                .setTokens(null)
                .build();
    }

    public static TokenizedClick tokenized(
            String eventId, String user, String item, long eventTime, int... tokens) {
        return TokenizedClick.newBuilder()
                .setEventId(eventId)
                .setUserId(user)
                .setItemId(item)
                .setEventTimeMs(eventTime)
                .setTokens(TokenBytes.pack(tokens))
                .build();
    }

    /** A verified release of a (made-up) bundle {@code /models/<version>}, numbered {@code seq}. */
    public static VerifiedRelease release(String version, long seq) {
        return VerifiedRelease.newBuilder()
                .setModelVersion(version)
                .setBundleUri("/models/" + version)
                .setBundlePath("/models/" + version)
                .setBundleSha256(Integer.toHexString(version.hashCode()).repeat(8))
                .setReleasedAtMs(seq)
                .setSeq(seq)
                .build();
    }
}
