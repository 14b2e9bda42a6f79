package dev.embsum.ranker;

import dev.embsum.annotation.PublicEvolving;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * What a ranker needs of one item: its content poly-embedding B ({@code cpe}, {@code n x d}) and
 * the precomputed attention key {@code cpe_key = gelu(B W^s)} of the same shape, as published in an
 * Avro {@code ContentEmbedding} record.
 *
 * @param cpe the content poly-embedding B, one row per content vector
 * @param cpeKey the key of each content vector; row {@code c} belongs to row {@code c} of cpe
 */
@PublicEvolving
public record ContentVectors(PolyEmbedding cpe, PolyEmbedding cpeKey) {

    /**
     * @throws IllegalArgumentException if cpe and cpeKey do not have the same shape
     */
    public ContentVectors {
        Objects.requireNonNull(cpe, "cpe");
        Objects.requireNonNull(cpeKey, "cpeKey");
        if (cpe.rows() != cpeKey.rows() || cpe.dim() != cpeKey.dim()) {
            throw new IllegalArgumentException(
                    "cpe is "
                            + cpe.shape()
                            + " but cpe_key is "
                            + cpeKey.shape()
                            + "; they must have the same shape");
        }
    }

    /**
     * Decodes the two {@code bytes} fields of a {@code ContentEmbedding} record (float32
     * little-endian, row-major, {@code n x d} each).
     *
     * @throws IllegalArgumentException if either field is not exactly {@code 4 * n * d} bytes or
     *     holds a non-finite value; the message names the field
     */
    public static ContentVectors fromLittleEndian(ByteBuffer cpe, ByteBuffer cpeKey, int n, int d) {
        return new ContentVectors(decode("cpe", cpe, n, d), decode("cpe_key", cpeKey, n, d));
    }

    /** Number of content vectors ({@code n}). */
    public int rows() {
        return cpe.rows();
    }

    /** Embedding dimension ({@code d}). */
    public int dim() {
        return cpe.dim();
    }

    private static PolyEmbedding decode(String field, ByteBuffer bytes, int n, int d) {
        try {
            return PolyEmbedding.fromLittleEndian(bytes, n, d);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }
}
