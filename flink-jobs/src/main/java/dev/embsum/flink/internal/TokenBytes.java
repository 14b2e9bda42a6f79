package dev.embsum.flink.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Token ids as unsigned 16-bit little-endian bytes: the state and wire form of item tokens
 * (docs/design.md 6.2: history entries hold token ids as 16-bit). The T5 vocabulary (32,128) fits;
 * a larger id is refused rather than silently truncated.
 */
public final class TokenBytes {

    private TokenBytes() {}

    public static ByteBuffer pack(int[] ids) {
        ByteBuffer out = ByteBuffer.allocate(ids.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int id : ids) {
            if (id < 0 || id > 0xFFFF) {
                throw new IllegalArgumentException("token id " + id + " does not fit 16 bits");
            }
            out.putShort((short) id);
        }
        return out.flip();
    }

    /** Reads the buffer's remaining bytes without moving its position. */
    public static int[] unpack(ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() % 2 != 0) {
            throw new IllegalArgumentException("token bytes have odd length " + b.remaining());
        }
        int[] ids = new int[b.remaining() / 2];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Short.toUnsignedInt(b.getShort());
        }
        return ids;
    }

    /** The 16-bit form {@link dev.embsum.runtime.text.HistoryEntry#fromPacked} takes. */
    public static char[] unpackChars(ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        char[] ids = new char[b.remaining() / 2];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = b.getChar();
        }
        return ids;
    }

    public static ByteBuffer packChars(char[] ids) {
        ByteBuffer out = ByteBuffer.allocate(ids.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (char id : ids) {
            out.putChar(id);
        }
        return out.flip();
    }
}
