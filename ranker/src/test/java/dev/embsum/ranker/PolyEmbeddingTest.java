package dev.embsum.ranker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PolyEmbeddingTest {

    @Test
    void wireFormIsFloat32LittleEndianRowMajor() {
        PolyEmbedding e = PolyEmbedding.of(2, 2, new float[] {1f, -2f, 0.5f, 3f});
        byte[] bytes = e.toLittleEndian();
        // 1.0f = 0x3F800000, least significant byte first; -2.0f = 0xC0000000.
        assertThat(bytes)
                .hasSize(16)
                .startsWith(0x00, 0x00, (byte) 0x80, 0x3F, 0x00, 0x00, 0x00, (byte) 0xC0);
        assertThat(e.get(0, 1)).isEqualTo(-2f);
        assertThat(e.get(1, 0)).isEqualTo(0.5f);
    }

    @Test
    void littleEndianRoundTripsForRandomShapes() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int rows = 1 + random.nextInt(40);
            int dim = 1 + random.nextInt(300);
            float[] values = new float[rows * dim];
            for (int i = 0; i < values.length; i++) {
                // Arbitrary finite bit patterns: subnormals, -0.0, extremes included.
                float v;
                do {
                    v = Float.intBitsToFloat(random.nextInt());
                } while (!Float.isFinite(v));
                values[i] = v;
            }
            PolyEmbedding e = PolyEmbedding.of(rows, dim, values);
            PolyEmbedding decoded = PolyEmbedding.fromLittleEndian(e.toLittleEndian(), rows, dim);
            assertThat(decoded).isEqualTo(e);
            assertThat(decoded.toArray()).containsExactly(values);
        }
    }

    @Test
    void decodingReadsTheRemainingBytesWhateverTheBufferOrderAndKeepsItsPosition() {
        float[] values = {1.5f, -0.25f, 3f};
        ByteBuffer little = ByteBuffer.allocate(4 + 12 + 4).order(ByteOrder.LITTLE_ENDIAN);
        little.putInt(0xDEADBEEF);
        for (float v : values) {
            little.putFloat(v);
        }
        little.putInt(0xDEADBEEF);
        // Position on the first value, limit after the last; the buffer says big-endian.
        ByteBuffer buffer = little.position(4).limit(16).slice().order(ByteOrder.BIG_ENDIAN);
        PolyEmbedding e = PolyEmbedding.fromLittleEndian(buffer, 1, 3);
        assertThat(e.toArray()).containsExactly(values);
        assertThat(buffer.position()).isZero();
        assertThat(buffer.order()).isEqualTo(ByteOrder.BIG_ENDIAN);

        ByteBuffer offset = ByteBuffer.wrap(little.array()).position(4).limit(16);
        assertThat(PolyEmbedding.fromLittleEndian(offset, 3, 1).toArray()).containsExactly(values);
        assertThat(offset.position()).isEqualTo(4);
    }

    @Test
    void wrongLengthsAreRejectedWithTheExpectedAndActualSizes() {
        byte[] oneFloatShort = new byte[4 * 32 * 128 - 4];
        assertThatThrownBy(() -> PolyEmbedding.fromLittleEndian(oneFloatShort, 32, 128))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[32 x 128]")
                .hasMessageContaining("16384 bytes")
                .hasMessageContaining("got 16380");
        assertThatThrownBy(() -> PolyEmbedding.fromLittleEndian(new byte[13], 1, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12 bytes, got 13");
        assertThatThrownBy(() -> PolyEmbedding.fromLittleEndian(new byte[0], 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4 bytes, got 0");
        assertThatThrownBy(() -> PolyEmbedding.of(2, 3, new float[5]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[2 x 3]")
                .hasMessageContaining("6 values, got 5");
    }

    @Test
    void nonPositiveAndOversizedShapesAreRejected() {
        assertThatThrownBy(() -> PolyEmbedding.fromLittleEndian(new byte[0], 0, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be positive");
        assertThatThrownBy(() -> PolyEmbedding.of(3, -1, new float[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be positive");
        assertThatThrownBy(() -> PolyEmbedding.fromLittleEndian(new byte[0], 65536, 65536))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit");
    }

    @Test
    void nonFiniteValuesAreRejectedWithTheirPosition() {
        assertThatThrownBy(() -> PolyEmbedding.of(2, 3, new float[] {0, 0, 0, 0, Float.NaN, 0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NaN at (1, 1)");
        byte[] bytes = PolyEmbedding.of(1, 2, new float[] {1, 2}).toLittleEndian();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat(4, Float.POSITIVE_INFINITY);
        assertThatThrownBy(() -> PolyEmbedding.fromLittleEndian(bytes, 1, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Infinity at (0, 1)");
    }

    @Test
    void valuesAreCopiedInAndOut() {
        float[] values = {1, 2, 3};
        PolyEmbedding e = PolyEmbedding.of(1, 3, values);
        values[0] = 9;
        e.toArray()[1] = 9;
        assertThat(e.toArray()).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> e.get(1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void contentVectorsDecodeBothFieldsAndNameTheBadOne() {
        byte[] cpe = PolyEmbedding.of(2, 2, new float[] {1, 2, 3, 4}).toLittleEndian();
        byte[] key = PolyEmbedding.of(2, 2, new float[] {5, 6, 7, 8}).toLittleEndian();
        ContentVectors item =
                ContentVectors.fromLittleEndian(ByteBuffer.wrap(cpe), ByteBuffer.wrap(key), 2, 2);
        assertThat(item.rows()).isEqualTo(2);
        assertThat(item.dim()).isEqualTo(2);
        assertThat(item.cpeKey().get(1, 0)).isEqualTo(7);

        assertThatThrownBy(
                        () ->
                                ContentVectors.fromLittleEndian(
                                        ByteBuffer.wrap(cpe), ByteBuffer.wrap(new byte[12]), 2, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cpe_key: ")
                .hasMessageContaining("16 bytes, got 12");
        assertThatThrownBy(
                        () ->
                                ContentVectors.fromLittleEndian(
                                        ByteBuffer.wrap(cpe), ByteBuffer.wrap(key), 4, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cpe: ");
    }

    @Test
    void contentVectorsRequireTheSameShapeForCpeAndKey() {
        assertThatThrownBy(
                        () ->
                                new ContentVectors(
                                        PolyEmbedding.of(2, 2, new float[4]),
                                        PolyEmbedding.of(1, 4, new float[4])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cpe is [2 x 2] but cpe_key is [1 x 4]");
    }
}
