package dev.embsum.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TokenIdsTest {

    @Test
    void everyT5IdRoundTripsExactly() {
        int[] ids = IntStream.rangeClosed(0, 32127).toArray();
        char[] packed = TokenIds.pack(ids);
        assertThat(TokenIds.unpack(packed)).isEqualTo(ids);
        assertThat(TokenIds.unpack(TokenIds.fromBytes(TokenIds.toBytes(packed)))).isEqualTo(ids);
    }

    @Test
    void theUpperHalfOf16BitsStaysUnsigned() {
        // A short would read 40000 back as -25536.
        int[] ids = {32768, 40000, 65535};
        assertThat(TokenIds.unpack(TokenIds.pack(ids))).containsExactly(32768, 40000, 65535);
        assertThat(TokenIds.toBytes(TokenIds.pack(new int[] {65535, 258})))
                .containsExactly(0xFF, 0xFF, 0x01, 0x02);
    }

    @Test
    void idsOutside16BitsAreRefused() {
        assertThatThrownBy(() -> TokenIds.pack(new int[] {5, 65536}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65536");
        assertThatThrownBy(() -> TokenIds.pack(new int[] {-1}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenIds.fromBytes(new byte[3]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
