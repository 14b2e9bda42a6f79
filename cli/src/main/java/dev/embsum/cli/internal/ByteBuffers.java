package dev.embsum.cli.internal;

import java.nio.ByteBuffer;

/** For the Avro {@code bytes} fields, which the generated records hold as ByteBuffers. */
public final class ByteBuffers {

    private ByteBuffers() {}

    /** The remaining bytes as a new array, leaving the buffer's position alone; null for null. */
    public static byte[] toArray(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
