package dev.embsum.flink.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** float32 little-endian row-major: the layout of UserEmbedding.upe and ContentEmbedding.cpe. */
public final class Float32Bytes {

    private Float32Bytes() {}

    public static ByteBuffer pack(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.asFloatBuffer().put(values);
        return out;
    }

    public static float[] unpack(ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }
}
