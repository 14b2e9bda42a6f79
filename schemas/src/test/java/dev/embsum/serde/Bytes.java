package dev.embsum.serde;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;

/** Builds raw messages byte by byte, for tests that need inputs no encoder would produce. */
final class Bytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static Bytes header(long fingerprint) {
        Bytes b = new Bytes();
        b.raw(0xC3, 0x01);
        b.out.writeBytes(WireFormat.fingerprintBytes(fingerprint));
        return b;
    }

    Bytes raw(int... bytes) {
        for (int v : bytes) {
            out.write(v);
        }
        return this;
    }

    Bytes raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    /** Avro zig-zag varint of a long (also the encoding of int, lengths and counts). */
    Bytes varint(long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return this;
    }

    Bytes string(String s) {
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        varint(utf8.length);
        out.writeBytes(utf8);
        return this;
    }

    byte[] build() {
        return out.toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
