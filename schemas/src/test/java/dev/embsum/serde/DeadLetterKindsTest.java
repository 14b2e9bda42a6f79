package dev.embsum.serde;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeadLetterKindsTest {

    /** Readers select dead letters by these strings (dlq replay, alerts): they are on the wire. */
    @Test
    void theWireValuesNeverChange() {
        assertThat(DeadLetterKinds.ALL)
                .containsExactly(
                        "MALFORMED", "INVALID", "UNKNOWN_ITEM", "INFERENCE_FAILED", "BAD_RELEASE");
    }
}
