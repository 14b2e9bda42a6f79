package dev.embsum.ranker;

import dev.embsum.annotation.PublicEvolving;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A poly-embedding: {@code rows} vectors of {@code dim} float32 values, row-major. The user
 * poly-embedding (UPE, {@code m x d}), the content poly-embedding (CPE, {@code n x d}) and its key
 * ({@code cpe_key}, {@code n x d}) all have this shape (docs/model-bundle.md section 5).
 *
 * <p>On Kafka these travel as Avro {@code bytes}: {@code rows * dim} float32 values, little-endian,
 * row-major, exactly {@code 4 * rows * dim} bytes. {@link #fromLittleEndian} and {@link
 * #toLittleEndian()} convert that form; the class itself does not depend on Avro.
 *
 * <p>Immutable: values are copied in and out, so an instance can be shared between threads and kept
 * in state. Every value is finite; a NaN or an infinity would turn every score it touches into NaN,
 * so it is refused where the vector enters the process instead.
 */
@PublicEvolving
public final class PolyEmbedding {

    private final int rows;
    private final int dim;
    private final float[] values;

    /** Takes ownership of {@code values}; callers have validated the shape. */
    private PolyEmbedding(int rows, int dim, float[] values) {
        this.rows = rows;
        this.dim = dim;
        this.values = values;
        requireFinite();
    }

    /**
     * A poly-embedding from row-major values (the array is copied).
     *
     * @throws IllegalArgumentException if {@code values.length != rows * dim}, a size is not
     *     positive, or a value is not finite
     */
    public static PolyEmbedding of(int rows, int dim, float[] values) {
        int size = checkedSize(rows, dim);
        if (values.length != size) {
            throw new IllegalArgumentException(
                    "a ["
                            + rows
                            + " x "
                            + dim
                            + "] poly-embedding has "
                            + size
                            + " values, got "
                            + values.length);
        }
        return new PolyEmbedding(rows, dim, values.clone());
    }

    /**
     * Decodes the wire form: {@code rows * dim} float32 values, little-endian, row-major. Reads the
     * buffer's remaining bytes without moving its position, whatever its byte order.
     *
     * @throws IllegalArgumentException if the buffer does not hold exactly {@code 4 * rows * dim}
     *     bytes, a size is not positive, or a value is not finite
     */
    public static PolyEmbedding fromLittleEndian(ByteBuffer bytes, int rows, int dim) {
        int size = checkedSize(rows, dim);
        long expectedBytes = (long) size * Float.BYTES;
        if (bytes.remaining() != expectedBytes) {
            throw new IllegalArgumentException(
                    "a ["
                            + rows
                            + " x "
                            + dim
                            + "] float32 "
                            + "poly-embedding is "
                            + expectedBytes
                            + " bytes, got "
                            + bytes.remaining());
        }
        float[] values = new float[size];
        bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return new PolyEmbedding(rows, dim, values);
    }

    /** {@link #fromLittleEndian(ByteBuffer, int, int)} over a whole array. */
    public static PolyEmbedding fromLittleEndian(byte[] bytes, int rows, int dim) {
        return fromLittleEndian(ByteBuffer.wrap(bytes), rows, dim);
    }

    /** The wire form: {@code 4 * rows * dim} bytes, float32 little-endian, row-major. */
    public byte[] toLittleEndian() {
        byte[] bytes = new byte[values.length * Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
        return bytes;
    }

    /** Number of vectors ({@code m} for a UPE, {@code n} for a CPE). */
    public int rows() {
        return rows;
    }

    /** Length of each vector ({@code d}). */
    public int dim() {
        return dim;
    }

    /** The value at {@code (row, col)}. */
    public float get(int row, int col) {
        if (row < 0 || row >= rows || col < 0 || col >= dim) {
            throw new IndexOutOfBoundsException(
                    "(" + row + ", " + col + ") outside [" + rows + " x " + dim + "]");
        }
        return values[row * dim + col];
    }

    /** A copy of the values, row-major. */
    public float[] toArray() {
        return values.clone();
    }

    /** The values without a copy, for the scorer's kernels only: never modify or publish. */
    float[] values() {
        return values;
    }

    /** "[rows x dim]", for error messages. */
    String shape() {
        return "[" + rows + " x " + dim + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PolyEmbedding other
                && rows == other.rows
                && dim == other.dim
                && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * rows + dim) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "PolyEmbedding" + shape();
    }

    private static int checkedSize(int rows, int dim) {
        if (rows <= 0 || dim <= 0) {
            throw new IllegalArgumentException(
                    "poly-embedding sizes must be positive, got [" + rows + " x " + dim + "]");
        }
        long size = (long) rows * dim;
        if (size * Float.BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "a [" + rows + " x " + dim + "] poly-embedding does not fit in one array");
        }
        return (int) size;
    }

    private void requireFinite() {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(
                        "poly-embedding value "
                                + values[i]
                                + " at ("
                                + i / dim
                                + ", "
                                + i % dim
                                + ") is not finite");
            }
        }
    }
}
