package dev.embsum.serde;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.Impression;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.serde.MalformedRecordException.Kind;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/**
 * Bad inputs with the kind both languages must report for them (golden/wire-vectors.json,
 * "malformed"), plus valid but non-canonical encodings both must accept ("noncanonical").
 */
final class MalformedSamples {

    record Case(String name, Class<? extends SpecificRecord> type, byte[] bytes, Kind kind) {}

    record NonCanonical(
            String name, String note, Class<? extends SpecificRecord> type, byte[] bytes) {}

    private MalformedSamples() {}

    private static long fp(Class<? extends SpecificRecord> type) {
        return SingleObjectCodec.forClass(type).fingerprint();
    }

    /**
     * ClickEvent up to and including the action enum: event_id "e", user_id "u", item_id "i", time
     * 5.
     */
    static Bytes clickPrefix() {
        return Bytes.header(fp(ClickEvent.class)).string("e").string("u").string("i").varint(5);
    }

    /** Impression up to and including its item_ids: impression_id "imp", user_id "u". */
    static Bytes impressionPrefix() {
        return Bytes.header(fp(Impression.class)).string("imp").string("u");
    }

    static Case caseNamed(String name) {
        return cases().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    static NonCanonical nonCanonicalNamed(String name) {
        return nonCanonical().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    static List<Case> cases() {
        byte[] click = SingleObjectCodec.forClass(ClickEvent.class).encode(Samples.click());
        byte[] badMagic = click.clone();
        badMagic[1] = 0x02;
        byte[] item =
                SingleObjectCodec.forClass(ContentItem.class)
                        .encode((ContentItem) Samples.contentItems().get(0).value());
        return List.of(
                new Case("empty", ClickEvent.class, new byte[0], Kind.EMPTY),
                new Case("one_byte", ClickEvent.class, new byte[] {(byte) 0xC3}, Kind.TRUNCATED),
                new Case(
                        "header_cut_at_9_bytes",
                        ClickEvent.class,
                        Arrays.copyOf(click, 9),
                        Kind.TRUNCATED),
                new Case(
                        "header_without_body",
                        ClickEvent.class,
                        Arrays.copyOf(click, 10),
                        Kind.TRUNCATED),
                new Case("bad_magic_second_byte", ClickEvent.class, badMagic, Kind.BAD_MAGIC),
                new Case(
                        "avro_container_file",
                        ClickEvent.class,
                        new Bytes().raw('O', 'b', 'j', 1, 4, 0x14).raw(new byte[8]).build(),
                        Kind.BAD_MAGIC),
                new Case(
                        "unknown_fingerprint",
                        ClickEvent.class,
                        Bytes.concat(
                                Bytes.header(0x0807060504030201L).build(),
                                Arrays.copyOfRange(click, 10, click.length)),
                        Kind.UNKNOWN_SCHEMA),
                new Case("content_item_read_as_click", ClickEvent.class, item, Kind.WRONG_TYPE),
                new Case(
                        "body_cut_by_one_byte",
                        ClickEvent.class,
                        Arrays.copyOf(click, click.length - 1),
                        Kind.TRUNCATED),
                new Case(
                        "trailing_zero_byte",
                        ClickEvent.class,
                        Bytes.concat(click, new byte[] {0}),
                        Kind.TRAILING_BYTES),
                new Case(
                        "string_length_2gib",
                        ClickEvent.class,
                        Bytes.header(fp(ClickEvent.class))
                                .varint(Integer.MAX_VALUE)
                                .raw('a')
                                .build(),
                        Kind.TRUNCATED),
                new Case(
                        "string_length_long_max",
                        ClickEvent.class,
                        Bytes.header(fp(ClickEvent.class)).varint(Long.MAX_VALUE).raw('a').build(),
                        Kind.TRUNCATED),
                new Case(
                        "string_length_negative",
                        ClickEvent.class,
                        Bytes.header(fp(ClickEvent.class)).varint(-1).raw('a').build(),
                        Kind.CORRUPT_BODY),
                new Case(
                        "varint_longer_than_10_bytes",
                        ClickEvent.class,
                        Bytes.header(fp(ClickEvent.class))
                                .raw(
                                        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                        0x00)
                                .build(),
                        Kind.CORRUPT_BODY),
                new Case(
                        "long_varint_overflows_64_bits",
                        ClickEvent.class,
                        Bytes.header(fp(ClickEvent.class))
                                .raw(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02)
                                .build(),
                        Kind.CORRUPT_BODY),
                new Case(
                        "enum_index_out_of_range",
                        ClickEvent.class,
                        clickPrefix().varint(2).build(),
                        Kind.CORRUPT_BODY),
                new Case(
                        "union_index_out_of_range",
                        ClickEvent.class,
                        clickPrefix().varint(0).varint(2).build(),
                        Kind.CORRUPT_BODY),
                new Case(
                        "union_index_negative",
                        ClickEvent.class,
                        clickPrefix().varint(0).varint(-1).build(),
                        Kind.CORRUPT_BODY),
                new Case(
                        "int_varint_over_32_bits",
                        ClickEvent.class,
                        clickPrefix()
                                .varint(1)
                                .varint(1)
                                .raw(0x80, 0x80, 0x80, 0x80, 0x10)
                                .varint(0)
                                .build(),
                        Kind.CORRUPT_BODY),
                new Case(
                        "invalid_utf8",
                        ClickEvent.class,
                        Bytes.header(fp(ClickEvent.class)).varint(2).raw(0xC3, 0x28).build(),
                        Kind.CORRUPT_BODY),
                new Case(
                        "utf8_encoded_surrogate",
                        ClickEvent.class,
                        Bytes.header(fp(ClickEvent.class)).varint(3).raw(0xED, 0xA0, 0x80).build(),
                        Kind.CORRUPT_BODY),
                new Case(
                        "boolean_byte_2",
                        ContentItem.class,
                        Bytes.header(fp(ContentItem.class))
                                .string("i")
                                .varint(0)
                                .string("t")
                                .varint(0)
                                .varint(0)
                                .varint(0)
                                .varint(1)
                                .raw(2)
                                .build(),
                        Kind.CORRUPT_BODY),
                new Case(
                        "array_count_2gib",
                        Impression.class,
                        impressionPrefix().varint(Integer.MAX_VALUE).string("a").build(),
                        Kind.TRUNCATED),
                new Case(
                        "array_block_size_negative",
                        Impression.class,
                        impressionPrefix().varint(-1).varint(-2).string("a").build(),
                        Kind.CORRUPT_BODY),
                new Case(
                        "bytes_length_2gib",
                        UserEmbedding.class,
                        Bytes.header(fp(UserEmbedding.class))
                                .string("u")
                                .string("v")
                                .varint(1)
                                .varint(1)
                                .varint(1)
                                .varint(Integer.MAX_VALUE)
                                .raw(0, 0, 0, 0)
                                .build(),
                        Kind.TRUNCATED));
    }

    static List<NonCanonical> nonCanonical() {
        return List.of(
                new NonCanonical(
                        "array_with_negative_block_count",
                        "item_ids as one block of -2 items with its byte size (4), allowed by the Avro spec",
                        Impression.class,
                        impressionPrefix()
                                .varint(-2)
                                .varint(4)
                                .string("a")
                                .string("b")
                                .varint(0)
                                .varint(7)
                                .build()),
                new NonCanonical(
                        "array_in_two_blocks",
                        "item_ids as blocks of 1 and 2 items",
                        Impression.class,
                        impressionPrefix()
                                .varint(1)
                                .string("a")
                                .varint(2)
                                .string("b")
                                .string("c")
                                .varint(0)
                                .varint(7)
                                .build()),
                new NonCanonical(
                        "overlong_varint",
                        "rating 3 written as a 3-byte varint (86 80 00)",
                        ClickEvent.class,
                        clickPrefix().varint(1).varint(1).raw(0x86, 0x80, 0x00).varint(0).build()));
    }
}
