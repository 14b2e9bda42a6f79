package dev.embsum.serde;

import static dev.embsum.serde.MalformedSamples.clickPrefix;
import static dev.embsum.serde.MalformedSamples.impressionPrefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.Impression;
import dev.embsum.serde.MalformedRecordException.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SingleObjectCodecTest {

    private final SingleObjectCodec<ClickEvent> clicks =
            SingleObjectCodec.forClass(ClickEvent.class);

    static Stream<Arguments> samples() {
        return Samples.all().values().stream()
                .flatMap(List::stream)
                .map(
                        s ->
                                Arguments.of(
                                        s.value().getClass().getSimpleName() + "/" + s.name(),
                                        s.value()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    @SuppressWarnings({"unchecked", "rawtypes"})
    void roundTripsEveryRecordType(String name, SpecificRecord value) {
        SingleObjectCodec codec = SingleObjectCodec.forClass(value.getClass());
        byte[] bytes = codec.encode(value);
        assertThat(codec.decode(bytes)).isEqualTo(value);
        assertThat(codec.encode(codec.decode(bytes))).isEqualTo(bytes);
    }

    @Test
    void writesTheSingleObjectHeaderWithTheLittleEndianFingerprint() throws IOException {
        byte[] bytes = clicks.encode(Samples.click());
        Schema fromFile =
                new Schema.Parser()
                        .parse(ModulePaths.avroSources().resolve("ClickEvent.avsc").toFile());
        long fp = SchemaNormalization.parsingFingerprint64(fromFile);
        assertThat(clicks.fingerprint()).isEqualTo(fp);
        assertThat(Arrays.copyOf(bytes, 2)).containsExactly(0xC3, 0x01);
        for (int i = 0; i < 8; i++) {
            assertThat(bytes[2 + i]).isEqualTo((byte) (fp >>> (8 * i)));
        }
        assertThat(WireFormat.hasHeader(bytes)).isTrue();
        assertThat(WireFormat.readFingerprint(bytes)).isEqualTo(fp);
        // Interoperates with Avro's own single-object encoder.
        assertThat(ClickEvent.getEncoder().encode(Samples.click()).array()).isEqualTo(bytes);
    }

    @Test
    void knowsTheCurrentAndReleasedWriterSchemas() {
        assertThat(clicks.knownWriterFingerprints())
                .containsEntry(clicks.fingerprint(), "current=v1");
        assertThat(SingleObjectCodec.forClass(ClickEvent.class)).isSameAs(clicks);
        assertThat(clicks.toString())
                .contains("ClickEvent", WireFormat.fingerprintHex(clicks.fingerprint()));
    }

    // --- malformed input: one exception type, a kind and a useful message ----------------------

    @Test
    void nullAndEmptyAreEmpty() {
        assertMalformed(null, Kind.EMPTY, "null input", "dev.embsum.avro.ClickEvent");
        assertMalformed(new byte[0], Kind.EMPTY, "from 0 bytes", "input is empty");
    }

    @Test
    void shortInputIsTruncated() {
        assertMalformed(
                new byte[] {(byte) 0xC3, 0x01, 1, 2}, Kind.TRUNCATED, "from 4 bytes", "10-byte");
    }

    @Test
    void wrongMagicIsBadMagic() {
        byte[] bytes = clicks.encode(Samples.click());
        bytes[0] = 0x4F; // e.g. an Avro container file ("Obj")
        assertMalformed(bytes, Kind.BAD_MAGIC, "starts with 4f 01");
    }

    @Test
    void unknownFingerprintNamesItInWireOrder() {
        byte[] bytes = Bytes.header(0x0807060504030201L).raw(0).build();
        assertMalformed(
                bytes, Kind.UNKNOWN_SCHEMA, "0102030405060708", "ClickEvent", "current=v1=");
    }

    @Test
    void aKnownSchemaOfAnotherRecordIsWrongType() {
        byte[] item =
                SingleObjectCodec.forClass(ContentItem.class)
                        .encode((ContentItem) Samples.contentItems().get(0).value());
        assertMalformed(
                item,
                Kind.WRONG_TYPE,
                "dev.embsum.avro.ContentItem, not dev.embsum.avro.ClickEvent");
    }

    @Test
    void truncatedBodySaysWhere() {
        byte[] bytes = clicks.encode(Samples.click());
        assertMalformed(
                Arrays.copyOf(bytes, bytes.length - 3),
                Kind.TRUNCATED,
                "at action",
                "writer current=v1");
        assertMalformed(Arrays.copyOf(bytes, 10), Kind.TRUNCATED, "at event_id");
    }

    @Test
    void trailingBytesAreRejected() {
        byte[] bytes = Bytes.concat(clicks.encode(Samples.click()), new byte[] {0});
        assertMalformed(bytes, Kind.TRAILING_BYTES, "1 bytes left");
    }

    @Test
    void corruptBodiesAreRejected() {
        assertMalformed(clickPrefix().build(), Kind.TRUNCATED, "at action");
        assertMalformed(
                clickPrefix().varint(2).build(), Kind.CORRUPT_BODY, "enum index 2", "at action");
        assertMalformed(
                clickPrefix().varint(0).varint(2).build(),
                Kind.CORRUPT_BODY,
                "union branch 2",
                "at rating");
        assertMalformed(
                Bytes.header(clicks.fingerprint()).string("e").varint(2).raw(0xC3, 0x28).build(),
                Kind.CORRUPT_BODY,
                "not valid UTF-8",
                "at user_id");
        assertMalformed(
                Bytes.header(clicks.fingerprint()).varint(-1).build(),
                Kind.CORRUPT_BODY,
                "negative string length -1",
                "at event_id");
        byte[] badBoolean = MalformedSamples.caseNamed("boolean_byte_2").bytes();
        assertThatThrownBy(() -> SingleObjectCodec.forClass(ContentItem.class).decode(badBoolean))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("boolean byte is 2")
                .hasMessageContaining("at deleted");
    }

    @Test
    void pathsIncludeArrayIndexes() {
        SingleObjectCodec<Impression> codec = SingleObjectCodec.forClass(Impression.class);
        byte[] bytes = impressionPrefix().varint(2).string("a").varint(1).raw(0xFF).build();
        assertThatThrownBy(() -> codec.decode(bytes))
                .isInstanceOfSatisfying(
                        MalformedRecordException.class,
                        e -> {
                            assertThat(e.kind()).isEqualTo(Kind.CORRUPT_BODY);
                            assertThat(e.recordType()).isEqualTo("dev.embsum.avro.Impression");
                            assertThat(e.length()).isEqualTo(bytes.length);
                        })
                .hasMessageContaining("at item_ids[1]");
    }

    @Test
    void acceptsNonCanonicalButValidEncodings() {
        // Blocked array with a negative count and a byte size (allowed by the Avro spec).
        SingleObjectCodec<Impression> codec = SingleObjectCodec.forClass(Impression.class);
        byte[] bytes =
                MalformedSamples.nonCanonicalNamed("array_with_negative_block_count").bytes();
        Impression decoded = codec.decode(bytes);
        assertThat(decoded.getItemIds()).containsExactly("a", "b");
        assertThat(decoded.getEventTime()).isEqualTo(Instant.ofEpochMilli(7));
    }

    // --- encoding errors -------------------------------------------------------------------------

    @Test
    void encodingARecordWithAMissingRequiredFieldNamesTheField() {
        ClickEvent bad = Samples.click();
        bad.setUserId(null);
        assertThatThrownBy(() -> clicks.encode(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ClickEvent")
                .hasMessageContaining("user_id");
    }

    // --- schema evolution: old and new writers ---------------------------------------------------

    @Test
    void readsAnOlderWriterThatLacksOptionalFields() {
        Schema older =
                SchemaBuilder.record("ClickEvent")
                        .namespace("dev.embsum.avro")
                        .fields()
                        .requiredString("event_id")
                        .requiredString("user_id")
                        .requiredString("item_id")
                        .name("event_time")
                        .type(timestampMillis())
                        .noDefault()
                        .name("action")
                        .type()
                        .enumeration("Action")
                        .namespace("dev.embsum.avro")
                        .symbols("CLICK", "RATE")
                        .noDefault()
                        .endRecord();
        GenericRecord old = new GenericData.Record(older);
        old.put("event_id", "e");
        old.put("user_id", "u");
        old.put("item_id", "i");
        old.put("event_time", 42L);
        old.put("action", new GenericData.EnumSymbol(older.getField("action").schema(), "RATE"));

        byte[] bytes = singleObject(older, old);
        assertMalformed(
                bytes,
                Kind.UNKNOWN_SCHEMA,
                WireFormat.fingerprintHex(WireFormat.fingerprint(older)));

        ClickEvent decoded =
                SingleObjectCodec.withWriterSchemas(ClickEvent.class, List.of(older)).decode(bytes);
        assertThat(decoded.getAction()).isEqualTo(Action.RATE);
        assertThat(decoded.getEventTime()).isEqualTo(Instant.ofEpochMilli(42));
        assertThat(decoded.getRating()).isNull();
        assertThat(decoded.getImpressionId()).isNull();
    }

    @Test
    void readsANewerWriterWithAnExtraField() {
        Schema current = clicks.schema();
        List<Schema.Field> fields = new java.util.ArrayList<>();
        current.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        fields.add(
                new Schema.Field(
                        "client", Schema.create(Schema.Type.STRING), "newer field", "web"));
        Schema newer = Schema.createRecord("ClickEvent", "newer", "dev.embsum.avro", false, fields);

        GenericRecord rec = new GenericData.Record(newer);
        ClickEvent click = Samples.click();
        for (Schema.Field f : current.getFields()) {
            Object v = click.get(f.pos());
            rec.put(
                    f.name(),
                    v instanceof Instant t
                            ? t.toEpochMilli()
                            : v instanceof Action a
                                    ? new GenericData.EnumSymbol(f.schema(), a.name())
                                    : v);
        }
        rec.put("client", "ios");

        ClickEvent decoded =
                SingleObjectCodec.withWriterSchemas(ClickEvent.class, List.of(newer))
                        .decode(singleObject(newer, rec));
        assertThat(decoded).isEqualTo(click);
    }

    @Test
    void refusesWriterSchemasOfAnotherRecord() {
        assertThatThrownBy(
                        () ->
                                SingleObjectCodec.withWriterSchemas(
                                        ClickEvent.class,
                                        List.of(
                                                SingleObjectCodec.forClass(Impression.class)
                                                        .schema())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Impression");
    }

    @Test
    void isSafeToShareAcrossThreads() {
        List<Samples.Sample> all = Samples.all().values().stream().flatMap(List::stream).toList();
        IntStream.range(0, 4000)
                .parallel()
                .forEach(
                        i -> {
                            SpecificRecord value = all.get(i % all.size()).value();
                            @SuppressWarnings({"unchecked", "rawtypes"})
                            SingleObjectCodec<SpecificRecord> codec =
                                    (SingleObjectCodec)
                                            SingleObjectCodec.forClass(value.getClass());
                            assertThat(codec.decode(codec.encode(value))).isEqualTo(value);
                        });
    }

    private void assertMalformed(byte[] input, Kind kind, String... messageParts) {
        assertThatThrownBy(() -> clicks.decode(input))
                .isInstanceOfSatisfying(
                        MalformedRecordException.class,
                        e -> {
                            assertThat(e.kind()).isEqualTo(kind);
                            assertThat(e.getMessage())
                                    .startsWith(
                                            kind
                                                    + ": cannot decode dev.embsum.avro.ClickEvent from ");
                            for (String part : messageParts) {
                                assertThat(e.getMessage()).contains(part);
                            }
                        });
    }

    private static Schema timestampMillis() {
        return org.apache.avro.LogicalTypes.timestampMillis()
                .addToSchema(Schema.create(Schema.Type.LONG));
    }

    private static byte[] singleObject(Schema schema, GenericRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(Bytes.header(WireFormat.fingerprint(schema)).build());
            BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(schema).write(record, enc);
            return out.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
