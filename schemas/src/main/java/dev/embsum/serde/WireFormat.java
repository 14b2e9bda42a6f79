package dev.embsum.serde;

import java.util.HexFormat;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * Constants and helpers of Avro single-object encoding, the wire format of every topic
 * (docs/design.md 2): {@code C3 01}, the writer schema's 8-byte CRC-64-AVRO fingerprint in
 * little-endian order, then the Avro binary body.
 */
public final class WireFormat {

    /** The two marker bytes every message starts with. */
    public static final byte MAGIC_0 = (byte) 0xC3;

    public static final byte MAGIC_1 = (byte) 0x01;

    /** Magic (2) + fingerprint (8). */
    public static final int HEADER_LENGTH = 10;

    private WireFormat() {}

    /** CRC-64-AVRO fingerprint of the schema's parsing canonical form (what the header carries). */
    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    /** The fingerprint as the 8 bytes appear on the wire (little-endian). */
    public static byte[] fingerprintBytes(long fingerprint) {
        byte[] out = new byte[8];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (fingerprint >>> (8 * i));
        }
        return out;
    }

    /**
     * Lower-case hex of the fingerprint in wire (little-endian) order. This is the form used in
     * error messages, golden/wire-vectors.json and by Python's fastavro, so a hexdump of a message
     * can be compared with it directly.
     */
    public static String fingerprintHex(long fingerprint) {
        return HexFormat.of().formatHex(fingerprintBytes(fingerprint));
    }

    /** True when the buffer is long enough for a header and starts with the magic bytes. */
    public static boolean hasHeader(byte[] message) {
        return message != null
                && message.length >= HEADER_LENGTH
                && message[0] == MAGIC_0
                && message[1] == MAGIC_1;
    }

    /**
     * Reads the writer fingerprint from a message's header (useful for tooling, e.g. to tell which
     * schema a dead-lettered value claims). The caller checks {@link #hasHeader} first.
     */
    public static long readFingerprint(byte[] message) {
        long fp = 0;
        for (int i = 0; i < 8; i++) {
            fp |= (message[2 + i] & 0xFFL) << (8 * i);
        }
        return fp;
    }
}
