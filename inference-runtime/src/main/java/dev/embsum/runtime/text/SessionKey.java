package dev.embsum.runtime.text;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A 128-bit content key of a token sequence: the first 16 bytes of SHA-256 over the ids (4 bytes
 * each, big-endian), plus nothing else. A cryptographic hash so that collisions are out of the
 * question at any cache size (a wrong cache hit would silently corrupt an embedding); at most a few
 * KB are hashed per refresh, so its cost does not matter. Two longs make a cheap hash-map key.
 *
 * @param hi first 8 bytes of the digest
 * @param lo next 8 bytes of the digest
 */
public record SessionKey(long hi, long lo) {

    /** The key of {@code tokens}. */
    public static SessionKey of(int[] tokens) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
        byte[] buf = new byte[tokens.length * 4];
        for (int i = 0; i < tokens.length; i++) {
            int t = tokens[i];
            buf[4 * i] = (byte) (t >>> 24);
            buf[4 * i + 1] = (byte) (t >>> 16);
            buf[4 * i + 2] = (byte) (t >>> 8);
            buf[4 * i + 3] = (byte) t;
        }
        byte[] d = sha.digest(buf);
        return new SessionKey(toLong(d, 0), toLong(d, 8));
    }

    /** 32 lower-case hex digits. */
    @Override
    public String toString() {
        return String.format("%016x%016x", hi, lo);
    }

    private static long toLong(byte[] b, int offset) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[offset + i] & 0xFF);
        }
        return v;
    }
}
