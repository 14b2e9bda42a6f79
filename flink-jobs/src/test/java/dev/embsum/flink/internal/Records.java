package dev.embsum.flink.internal;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.state.HistoryEntryState;
import dev.embsum.avro.state.ItemTokens;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.avro.state.ReleaseRef;
import dev.embsum.avro.state.TokenizedClick;
import dev.embsum.avro.state.ValidClick;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.serde.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/** Small builders for the operator tests. */
public final class Records {

    private Records() {}

    /** A click at 1 s after the epoch. */
    public static ClickEvent click(
            String eventId, String user, String item, Action action, Integer rating) {
        return click(eventId, user, item, action, rating, Instant.ofEpochMilli(1_000));
    }

    public static ClickEvent click(
            String eventId,
            String user,
            String item,
            Action action,
            Integer rating,
            Instant eventTime) {
        return ClickEvent.newBuilder()
                .setEventId(eventId)
                .setUserId(user)
                .setItemId(item)
                .setEventTime(eventTime)
                .setAction(action)
                .setRating(rating)
                .setImpressionId(null)
                .build();
    }

    /** The click as the clicks topic carries it (key user_id). */
    public static RawRecord raw(ClickEvent click) {
        return encoded("clicks", click.getUserId(), click);
    }

    /** The item as the content topic carries it (key item_id). */
    public static RawRecord raw(ContentItem item) {
        return encoded("content", item.getItemId(), item);
    }

    /** An unpositioned record of {@code topic} holding {@code value}, single-object encoded. */
    public static <T extends SpecificRecord> RawRecord encoded(String topic, String key, T value) {
        @SuppressWarnings("unchecked") // a record's class is the class of its codec
        Class<T> type = (Class<T>) value.getClass();
        return RawRecords.unpositioned(topic, key, SingleObjectCodec.forClass(type).encode(value));
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
        return itemTokens(item, updatedAt, false, TokenBytes.pack(tokens));
    }

    /** The tombstone of a deleted item: no tokens. */
    public static ItemTokens deleted(String item, long updatedAt) {
        return itemTokens(item, updatedAt, true, null);
    }

    private static ItemTokens itemTokens(
            String item, long updatedAt, boolean deleted, ByteBuffer tokens) {
        return ItemTokens.newBuilder()
                .setItemId(item)
                .setUpdatedAtMs(updatedAt)
                .setDeleted(deleted)
                .setTokens(tokens)
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

    /**
     * A refresh request for {@code user}'s one-item history (item A) at {@code historyVersion},
     * made after {@code afterRelease} (null: before any release).
     */
    public static RefreshRequest refresh(
            String user, long historyVersion, ReleaseRef afterRelease, boolean backfill) {
        return RefreshRequest.newBuilder()
                .setUserId(user)
                .setHistoryVersion(historyVersion)
                .setEntries(
                        List.of(
                                HistoryEntryState.newBuilder()
                                        .setItemId("A")
                                        .setSeq(0)
                                        .setEventTimeMs(1)
                                        .setTokens(ByteBuffer.wrap(new byte[] {1, 0}))
                                        .build()))
                .setNextSeq(1)
                .setLastEventTimeMs(1)
                .setFirstPendingAtMs(0)
                .setAfterRelease(afterRelease)
                .setBackfill(backfill)
                .build();
    }
}
