package dev.embsum.runtime.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;

/** Building the graphs' int64/float32 inputs and reading their outputs. */
final class Tensors {

    private Tensors() {}

    /**
     * Token rows right-padded with {@code pad} to the longest row: ids and mask (1 = token), both
     * {@code [rows, width]} int64, as every graph of the bundle takes them.
     */
    static OnnxTensor[] paddedIdsAndMask(OrtEnvironment env, List<int[]> rows, int pad)
            throws OrtException {
        int width = 1;
        for (int[] r : rows) {
            width = Math.max(width, r.length);
        }
        long[] ids = new long[rows.size() * width];
        long[] mask = new long[ids.length];
        java.util.Arrays.fill(ids, pad);
        for (int i = 0; i < rows.size(); i++) {
            int[] r = rows.get(i);
            for (int j = 0; j < r.length; j++) {
                ids[i * width + j] = r[j];
                mask[i * width + j] = 1;
            }
        }
        long[] shape = {rows.size(), width};
        OnnxTensor idsTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
        try {
            return new OnnxTensor[] {
                idsTensor, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape)
            };
        } catch (OrtException | RuntimeException e) {
            idsTensor.close();
            throw e;
        }
    }

    static OnnxTensor floats(OrtEnvironment env, float[] data, long... shape) throws OrtException {
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
    }

    static OnnxTensor longs(OrtEnvironment env, long[] data, long... shape) throws OrtException {
        return OnnxTensor.createTensor(env, LongBuffer.wrap(data), shape);
    }

    /** A float32 output copied to the Java heap. */
    static float[] floatsOf(OrtSession.Result result, String name) {
        FloatBuffer b = tensor(result, name).getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    /** An int64 output copied to the Java heap. */
    static long[] longsOf(OrtSession.Result result, String name) {
        LongBuffer b = tensor(result, name).getLongBuffer();
        long[] out = new long[b.remaining()];
        b.get(out);
        return out;
    }

    static OnnxTensor tensor(OrtSession.Result result, String name) {
        OnnxValue v =
                result.get(name)
                        .orElseThrow(
                                () ->
                                        new IllegalStateException(
                                                "graph output '" + name + "' missing"));
        return (OnnxTensor) v;
    }

    static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r != null) {
                try {
                    r.close();
                } catch (Exception ignored) {
                    // closing native tensors does not fail in practice; nothing to recover
                }
            }
        }
    }
}
