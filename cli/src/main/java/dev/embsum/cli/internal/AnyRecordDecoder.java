package dev.embsum.cli.internal;

import dev.embsum.serde.MalformedRecordException;
import dev.embsum.serde.RecordTypes;
import dev.embsum.serde.SingleObjectCodec;
import dev.embsum.serde.WireFormat;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * Decodes a value of any of the project's record types, choosing the type by the writer-schema
 * fingerprint in its single-object header. So {@code tail} reads any topic, whatever it is called,
 * and a dead letter's payload can be shown as the record it was meant to be.
 */
public final class AnyRecordDecoder {

    /** A decoded record, or why the bytes are none. */
    public record Decoded(SpecificRecord record, String problem) {
        public boolean ok() {
            return record != null;
        }
    }

    private final Map<Long, SingleObjectCodec<? extends SpecificRecord>> byFingerprint =
            new HashMap<>();

    public AnyRecordDecoder() {
        for (Class<? extends SpecificRecord> type : RecordTypes.ALL) {
            SingleObjectCodec<? extends SpecificRecord> codec = SingleObjectCodec.forClass(type);
            codec.knownWriterFingerprints().keySet().forEach(fp -> byFingerprint.put(fp, codec));
        }
    }

    public Decoded decode(byte[] value) {
        if (value == null) {
            return new Decoded(null, "null value (a tombstone)");
        }
        if (!WireFormat.hasHeader(value)) {
            return new Decoded(null, "not Avro single-object encoded (no c3 01 header)");
        }
        long fp = WireFormat.readFingerprint(value);
        SingleObjectCodec<? extends SpecificRecord> codec = byFingerprint.get(fp);
        if (codec == null) {
            return new Decoded(
                    null,
                    "writer fingerprint "
                            + WireFormat.fingerprintHex(fp)
                            + " is no schema this embsum knows (a newer release?)");
        }
        try {
            return new Decoded(codec.decode(value), null);
        } catch (MalformedRecordException e) {
            return new Decoded(null, e.getMessage());
        }
    }
}
