package dev.embsum.serde;

import dev.embsum.serde.MalformedRecordException.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Encodes and decodes one record type in Avro single-object encoding (see {@link WireFormat}).
 *
 * <p>Encoding always writes the current (compiled-in) schema. Decoding reads the writer fingerprint
 * from the header and resolves it against the schemas this build knows: the current one plus every
 * released copy of the same record ({@link ReleasedSchemas}), so no schema registry is needed. Any
 * bad input fails with {@link MalformedRecordException} and nothing else; the body is checked by
 * {@link BodyValidator} before Avro decodes it.
 *
 * <p>Instances are immutable and thread-safe; get them with {@link #forClass}.
 */
public final class SingleObjectCodec<T extends SpecificRecord> {

    private static final Map<Class<?>, SingleObjectCodec<?>> CACHE = new ConcurrentHashMap<>();

    private final Class<T> type;
    private final Schema schema;
    private final long fingerprint;
    private final byte[] header;
    private final SpecificDatumWriter<T> writer;
    private final Map<Long, KnownWriter<T>> writers;

    /** A writer schema this codec can decode, with a label for messages ("current", "v1"). */
    private record KnownWriter<T>(String label, Schema schema, SpecificDatumReader<T> reader) {}

    private SingleObjectCodec(Class<T> type, Collection<Schema> extraWriterSchemas) {
        AvroTrust.requireTrusted(type);
        this.type = type;
        SpecificData model = SpecificData.getForClass(type);
        this.schema = model.getSchema(type);
        this.fingerprint = WireFormat.fingerprint(schema);
        this.header = new byte[WireFormat.HEADER_LENGTH];
        header[0] = WireFormat.MAGIC_0;
        header[1] = WireFormat.MAGIC_1;
        System.arraycopy(WireFormat.fingerprintBytes(fingerprint), 0, header, 2, 8);
        this.writer = new SpecificDatumWriter<>(schema, model);

        Map<Long, KnownWriter<T>> known = new LinkedHashMap<>();
        known.put(
                fingerprint,
                new KnownWriter<>(
                        "current", schema, new SpecificDatumReader<>(schema, schema, model)));
        ReleasedSchemas.of(schema.getFullName())
                .forEach((version, released) -> add(known, version, released, model));
        for (Schema extra : extraWriterSchemas) {
            add(known, "extra", extra, model);
        }
        this.writers = Map.copyOf(known);
    }

    private void add(
            Map<Long, KnownWriter<T>> known,
            String label,
            Schema writerSchema,
            SpecificData model) {
        if (!writerSchema.getFullName().equals(schema.getFullName())) {
            throw new IllegalArgumentException(
                    "writer schema "
                            + writerSchema.getFullName()
                            + " is not a version of "
                            + schema.getFullName());
        }
        long fp = WireFormat.fingerprint(writerSchema);
        KnownWriter<T> same = known.get(fp);
        if (same != null) {
            // Same parsing canonical form as a schema already known: one entry, both labels.
            known.put(
                    fp,
                    new KnownWriter<>(same.label() + "=" + label, same.schema(), same.reader()));
        } else {
            known.put(
                    fp,
                    new KnownWriter<>(
                            label,
                            writerSchema,
                            new SpecificDatumReader<>(writerSchema, schema, model)));
        }
    }

    /** The shared codec of a generated record class (e.g. {@code ClickEvent.class}). */
    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecord> SingleObjectCodec<T> forClass(Class<T> type) {
        Objects.requireNonNull(type, "type");
        return (SingleObjectCodec<T>)
                CACHE.computeIfAbsent(type, t -> new SingleObjectCodec<>(type, List.of()));
    }

    /**
     * A codec that also accepts the given writer schemas (versions of the same record not among the
     * released copies, e.g. loaded at run time). Not cached.
     */
    public static <T extends SpecificRecord> SingleObjectCodec<T> withWriterSchemas(
            Class<T> type, Collection<Schema> extraWriterSchemas) {
        return new SingleObjectCodec<>(type, List.copyOf(extraWriterSchemas));
    }

    public Class<T> recordClass() {
        return type;
    }

    /** The current schema, which {@link #encode} writes. */
    public Schema schema() {
        return schema;
    }

    /** CRC-64-AVRO fingerprint of the current schema. */
    public long fingerprint() {
        return fingerprint;
    }

    /**
     * Fingerprint to label ("current", "v1", "current=v1", ...) of every accepted writer schema.
     */
    public Map<Long, String> knownWriterFingerprints() {
        Map<Long, String> out = new LinkedHashMap<>();
        writers.forEach((fp, w) -> out.put(fp, w.label()));
        return out;
    }

    /**
     * Single-object encoding of {@code record} with the current schema.
     *
     * @throws IllegalArgumentException if the record cannot be written (e.g. a required field is
     *     null); the message names the field
     */
    public byte[] encode(T record) {
        Objects.requireNonNull(record, "record");
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.writeBytes(header);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(record, encoder);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /**
     * Decodes one single-object-encoded record, resolving its writer schema by fingerprint.
     *
     * @throws MalformedRecordException for any input that is not exactly one valid record of this
     *     type (including null and empty input); never any other exception
     */
    public T decode(byte[] message) {
        if (message == null || message.length == 0) {
            throw malformed(
                    Kind.EMPTY, message, message == null ? "input is null" : "input is empty");
        }
        if (message.length < WireFormat.HEADER_LENGTH) {
            throw malformed(
                    Kind.TRUNCATED, message, "shorter than the 10-byte single-object header");
        }
        if (message[0] != WireFormat.MAGIC_0 || message[1] != WireFormat.MAGIC_1) {
            throw malformed(
                    Kind.BAD_MAGIC,
                    message,
                    String.format(
                            "starts with %02x %02x, not the single-object marker c3 01",
                            message[0], message[1]));
        }
        long fp = WireFormat.readFingerprint(message);
        KnownWriter<T> known = writers.get(fp);
        if (known == null) {
            throw unknownFingerprint(message, fp);
        }
        String where = "writer " + known.label() + " fingerprint " + WireFormat.fingerprintHex(fp);
        try {
            BodyValidator.validate(
                    known.schema(), message, WireFormat.HEADER_LENGTH, message.length);
        } catch (BodyValidator.Violation v) {
            throw malformed(v.kind, message, v.describe() + " (" + where + ")");
        }
        BinaryDecoder decoder =
                DecoderFactory.get()
                        .binaryDecoder(
                                message,
                                WireFormat.HEADER_LENGTH,
                                message.length - WireFormat.HEADER_LENGTH,
                                null);
        try {
            return known.reader().read(null, decoder);
        } catch (SecurityException e) {
            throw e; // Avro's class trust changed under us: a configuration error, not bad data
        } catch (IOException | RuntimeException e) {
            // Defence in depth: the validator should have caught everything Avro rejects.
            throw new MalformedRecordException(
                    Kind.CORRUPT_BODY,
                    schema.getFullName(),
                    message.length,
                    "Avro could not decode the body: " + e + " (" + where + ")",
                    e);
        }
    }

    private MalformedRecordException unknownFingerprint(byte[] message, long fp) {
        String hex = WireFormat.fingerprintHex(fp);
        String other = FingerprintIndex.recordOf(fp);
        if (other != null) {
            return malformed(
                    Kind.WRONG_TYPE,
                    message,
                    "writer fingerprint "
                            + hex
                            + " is a schema of "
                            + other
                            + ", not "
                            + schema.getFullName());
        }
        return malformed(
                Kind.UNKNOWN_SCHEMA,
                message,
                "writer fingerprint "
                        + hex
                        + " is none of the known "
                        + type.getSimpleName()
                        + " schemas "
                        + knownHexes()
                        + "; a newer schema must be released to readers first (schemas/README.md)");
    }

    private String knownHexes() {
        StringBuilder sb = new StringBuilder("[");
        writers.forEach(
                (fp, w) ->
                        sb.append(sb.length() > 1 ? ", " : "")
                                .append(w.label())
                                .append('=')
                                .append(WireFormat.fingerprintHex(fp)));
        return sb.append(']').toString();
    }

    private MalformedRecordException malformed(Kind kind, byte[] message, String detail) {
        return new MalformedRecordException(
                kind, schema.getFullName(), message == null ? -1 : message.length, detail);
    }

    @Override
    public String toString() {
        return "SingleObjectCodec["
                + schema.getFullName()
                + ", fingerprint "
                + WireFormat.fingerprintHex(fingerprint)
                + "]";
    }
}
