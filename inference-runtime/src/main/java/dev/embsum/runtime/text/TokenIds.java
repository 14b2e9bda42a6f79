package dev.embsum.runtime.text;

/**
 * 16-bit storage of token ids (docs/design.md 6.2: history state keeps token ids as 16 bits).
 *
 * <p>Ids are held in {@code char[]} because {@code char} is Java's unsigned 16-bit type: the round
 * trip is a plain narrowing cast one way and a widening cast back, exact for every id in 0..65535,
 * with no sign masking to forget (a {@code short} would turn 40000 into -25536). The t5-small
 * vocabulary needs 0..32127. The byte form (big-endian, 2 bytes per id) is what a state serializer
 * writes.
 */
public final class TokenIds {

    /** Largest id that fits in 16 bits. */
    public static final int MAX_ID = 0xFFFF;

    private TokenIds() {}

    /**
     * Packs ids into 16-bit chars.
     *
     * @throws IllegalArgumentException if an id is outside 0..65535
     */
    public static char[] pack(int[] ids) {
        char[] packed = new char[ids.length];
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id > MAX_ID) {
                throw new IllegalArgumentException(
                        "token id " + id + " at position " + i + " does not fit in 16 bits");
            }
            packed[i] = (char) id;
        }
        return packed;
    }

    /** The ids back as ints, exactly as packed. */
    public static int[] unpack(char[] packed) {
        int[] ids = new int[packed.length];
        for (int i = 0; i < packed.length; i++) {
            ids[i] = packed[i];
        }
        return ids;
    }

    /** Big-endian bytes, two per id. */
    public static byte[] toBytes(char[] packed) {
        byte[] bytes = new byte[packed.length * 2];
        for (int i = 0; i < packed.length; i++) {
            bytes[2 * i] = (byte) (packed[i] >>> 8);
            bytes[2 * i + 1] = (byte) packed[i];
        }
        return bytes;
    }

    /**
     * Inverse of {@link #toBytes(char[])}.
     *
     * @throws IllegalArgumentException if the length is odd
     */
    public static char[] fromBytes(byte[] bytes) {
        if (bytes.length % 2 != 0) {
            throw new IllegalArgumentException(
                    "16-bit token ids need an even byte count, got " + bytes.length);
        }
        char[] packed = new char[bytes.length / 2];
        for (int i = 0; i < packed.length; i++) {
            packed[i] = (char) (((bytes[2 * i] & 0xFF) << 8) | (bytes[2 * i + 1] & 0xFF));
        }
        return packed;
    }
}
