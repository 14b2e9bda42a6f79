package dev.embsum.serde;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.Domain;
import dev.embsum.avro.Impression;
import dev.embsum.avro.ModelRelease;
import dev.embsum.avro.UserEmbedding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * Fixed, representative values of every record type: nulls, unicode, empty strings and arrays,
 * extreme numbers and float payloads. They are the golden wire vectors (keep them stable: a change
 * means regenerating golden/wire-vectors.json) and the fuzz seeds.
 */
public final class Samples {

    /** A value with a name and a note for humans reading the golden file. */
    record Sample(String name, String note, SpecificRecord value) {}

    private Samples() {}

    /** Record simple name to its samples, in {@link RecordTypes#ALL} order. */
    static Map<String, List<Sample>> all() {
        Map<String, List<Sample>> all = new LinkedHashMap<>();
        all.put("ClickEvent", clickEvents());
        all.put("Impression", impressions());
        all.put("ContentItem", contentItems());
        all.put("UserEmbedding", userEmbeddings());
        all.put("ContentEmbedding", contentEmbeddings());
        all.put("ModelRelease", modelReleases());
        all.put("DeadLetter", deadLetters());
        return all;
    }

    static ClickEvent click() {
        return ClickEvent.newBuilder()
                .setEventId("e-0001")
                .setUserId("U13740")
                .setItemId("N55189")
                .setEventTime(Instant.ofEpochMilli(1_573_463_158_000L))
                .setAction(Action.CLICK)
                .build();
    }

    /** A short ClickEvent for the Kafka and Flink adapter tests: "u" on "i" at 5 ms. */
    public static ClickEvent shortClick(Action action, Integer rating) {
        return ClickEvent.newBuilder()
                .setEventId("e")
                .setUserId("u")
                .setItemId("i")
                .setEventTime(Instant.ofEpochMilli(5))
                .setAction(action)
                .setRating(rating)
                .build();
    }

    static List<Sample> clickEvents() {
        return List.of(
                new Sample("click_minimal", "CLICK with rating and impression_id null", click()),
                new Sample(
                        "rate_with_impression",
                        "RATE 5 answering an impression",
                        ClickEvent.newBuilder()
                                .setEventId("0b7f6c1e-8d2a-4c1e-9a51-3f0c2d9e7b11")
                                .setUserId("u-8842")
                                .setItemId("b-1")
                                .setEventTime(Instant.ofEpochMilli(1_700_000_000_123L))
                                .setAction(Action.RATE)
                                .setRating(5)
                                .setImpressionId("imp-42")
                                .build()),
                new Sample(
                        "unicode_and_extremes",
                        "unicode user_id, empty item_id, event_time before the epoch",
                        ClickEvent.newBuilder()
                                .setEventId("é\u0000\"\\/\n")
                                .setUserId("用户-é-🙂")
                                .setItemId("")
                                .setEventTime(Instant.ofEpochMilli(-1L))
                                .setAction(Action.RATE)
                                .setRating(1)
                                .setImpressionId(null)
                                .build()));
    }

    static List<Sample> impressions() {
        return List.of(
                new Sample(
                        "three_items",
                        "item_ids in display order",
                        Impression.newBuilder()
                                .setImpressionId("imp-42")
                                .setUserId("U13740")
                                .setItemIds(List.of("N55189", "N42782", "N34694"))
                                .setEventTime(Instant.ofEpochMilli(1_573_463_150_000L))
                                .build()),
                new Sample(
                        "empty_items",
                        "nothing shown: empty array",
                        Impression.newBuilder()
                                .setImpressionId("imp-∅")
                                .setUserId("u")
                                .setItemIds(List.of())
                                .setEventTime(Instant.ofEpochMilli(0L))
                                .build()));
    }

    static List<Sample> contentItems() {
        return List.of(
                new Sample(
                        "news_full",
                        "every nullable field set",
                        ContentItem.newBuilder()
                                .setItemId("N55189")
                                .setDomain(Domain.news)
                                .setTitle(
                                        "'Wheel Of Fortune' Guest Delivers Hilarious, Off The Rails Introduction")
                                .setAbstract$(
                                        "We'd like to solve the puzzle, Pat: Blair Davis' loveless marriage? Not quite.")
                                .setCategory("tv")
                                .setSubcategory("tv-celebrity")
                                .setUpdatedAt(Instant.ofEpochMilli(1_573_000_000_000L))
                                .setDeleted(false)
                                .build()),
                new Sample(
                        "book_nulls",
                        "book with abstract, category and subcategory null",
                        ContentItem.newBuilder()
                                .setItemId("b-1")
                                .setDomain(Domain.book)
                                .setTitle("Der Zauberberg — Thomas Mann 📚")
                                .setAbstract$(null)
                                .setCategory(null)
                                .setSubcategory(null)
                                .setUpdatedAt(Instant.ofEpochMilli(1_600_000_000_000L))
                                .setDeleted(false)
                                .build()),
                new Sample(
                        "news_deleted",
                        "deleted item; empty title, multi-line abstract; updated_at 9999-12-31T23:59:59.999Z (the largest Python datetime)",
                        ContentItem.newBuilder()
                                .setItemId("N1")
                                .setDomain(Domain.news)
                                .setTitle("")
                                .setAbstract$("line 1\nline 2\t\"quoted\" </s> <extra_id_0>")
                                .setCategory("news")
                                .setSubcategory(null)
                                .setUpdatedAt(Instant.ofEpochMilli(253_402_300_799_999L))
                                .setDeleted(true)
                                .build()));
    }

    static List<Sample> userEmbeddings() {
        return List.of(
                new Sample(
                        "m2_d3",
                        "upe = [[1.0, -2.5, 0.0], [3.1415927, -0.0, 1.0E-8]]; history_version above 2^53",
                        UserEmbedding.newBuilder()
                                .setUserId("U13740")
                                .setModelVersion("embsum-t5s-2026.01")
                                .setHistoryVersion(9_007_199_254_740_993L)
                                .setM(2)
                                .setD(3)
                                .setUpe(floats(1.0f, -2.5f, 0.0f, 3.1415927f, -0.0f, 1.0e-8f))
                                .setSummary(
                                        "Enjoys NFL coverage, celebrity TV news — and 日本 travel.")
                                .setHistoryItemIds(List.of("N42782", "N34694", "N55189"))
                                .setLastEventTime(Instant.ofEpochMilli(1_573_463_158_000L))
                                .setComputedAt(Instant.ofEpochMilli(1_573_463_159_250L))
                                .build()),
                new Sample(
                        "m1_d2_specials",
                        "upe = [[NaN, +Infinity]]; no summary, empty history",
                        UserEmbedding.newBuilder()
                                .setUserId("u")
                                .setModelVersion("v0")
                                .setHistoryVersion(0L)
                                .setM(1)
                                .setD(2)
                                .setUpe(floats(Float.NaN, Float.POSITIVE_INFINITY))
                                .setSummary(null)
                                .setHistoryItemIds(List.of())
                                .setLastEventTime(Instant.ofEpochMilli(0L))
                                .setComputedAt(Instant.ofEpochMilli(1L))
                                .build()));
    }

    static List<Sample> contentEmbeddings() {
        return List.of(
                new Sample(
                        "n2_d2",
                        "cpe = [[0.5, -0.25], [2.0, 1.0E-3]], cpe_key = [[0.3457, -0.1003], [1.9545, 5.0E-4]]",
                        ContentEmbedding.newBuilder()
                                .setItemId("N55189")
                                .setModelVersion("embsum-t5s-2026.01")
                                .setN(2)
                                .setD(2)
                                .setCpe(floats(0.5f, -0.25f, 2.0f, 1.0e-3f))
                                .setCpeKey(floats(0.3457f, -0.1003f, 1.9545f, 5.0e-4f))
                                .build()),
                new Sample(
                        "empty",
                        "n = 0: empty byte arrays",
                        ContentEmbedding.newBuilder()
                                .setItemId("x")
                                .setModelVersion("v0")
                                .setN(0)
                                .setD(4)
                                .setCpe(ByteBuffer.allocate(0))
                                .setCpeKey(ByteBuffer.allocate(0))
                                .build()));
    }

    static List<Sample> modelReleases() {
        return List.of(
                new Sample(
                        "release",
                        "a tar.gz bundle",
                        ModelRelease.newBuilder()
                                .setModelVersion("embsum-t5s-2026.01")
                                .setBundleUri("s3://models/embsum/embsum-t5s-2026.01.tar.gz")
                                .setBundleSha256(
                                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
                                .setReleasedAt(Instant.ofEpochMilli(1_767_225_600_000L))
                                .build()),
                new Sample(
                        "local_directory",
                        "a plain local path with spaces and unicode",
                        ModelRelease.newBuilder()
                                .setModelVersion("dev-ü")
                                .setBundleUri("/srv/models/embsum dev/ü")
                                .setBundleSha256(
                                        "0000000000000000000000000000000000000000000000000000000000000000")
                                .setReleasedAt(Instant.ofEpochMilli(0L))
                                .build()));
    }

    static List<Sample> deadLetters() {
        return List.of(
                new Sample(
                        "malformed_value",
                        "a truncated ClickEvent value with its key",
                        DeadLetter.newBuilder()
                                .setSourceTopic("clicks")
                                .setPartition(3)
                                .setOffset(Long.MAX_VALUE)
                                .setKey(
                                        ByteBuffer.wrap(
                                                "U13740"
                                                        .getBytes(
                                                                java.nio.charset.StandardCharsets
                                                                        .UTF_8)))
                                .setValue(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, 0x42}))
                                .setErrorKind("MALFORMED")
                                .setErrorMessage(
                                        "TRUNCATED: cannot decode dev.embsum.avro.ClickEvent from 3 bytes")
                                .setFailedAt(Instant.ofEpochMilli(1_573_463_160_000L))
                                .setJob("user-embeddings/validate-clicks")
                                .build()),
                new Sample(
                        "tombstone_unknown_item",
                        "key and value null (tombstone), negative partition",
                        DeadLetter.newBuilder()
                                .setSourceTopic("content")
                                .setPartition(-1)
                                .setOffset(0L)
                                .setKey(null)
                                .setValue(null)
                                .setErrorKind("UNKNOWN_ITEM")
                                .setErrorMessage("")
                                .setFailedAt(Instant.ofEpochMilli(0L))
                                .setJob("j")
                                .build()));
    }

    /** float32 little-endian, as upe/cpe/cpe_key carry them. */
    static ByteBuffer floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.flip().order(ByteOrder.BIG_ENDIAN);
    }
}
