package dev.embsum.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.embsum.avro.ClickEvent;
import java.util.List;
import org.apache.avro.util.ClassSecurityValidator;
import org.junit.jupiter.api.Test;

class AvroTrustTest {

    @Test
    void anUntrustedPackageFailsFastWithTheFixAndTrustProjectRecordsFixesIt() {
        ClassSecurityValidator.ClassSecurityPredicate original = ClassSecurityValidator.getGlobal();
        try {
            ClassSecurityValidator.setGlobal(c -> false); // as in a JVM without the system property
            assertThatThrownBy(
                            () -> SingleObjectCodec.withWriterSchemas(ClickEvent.class, List.of()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.embsum.avro")
                    .hasMessageContaining("trustProjectRecords");

            AvroTrust.trustProjectRecords();
            AvroTrust.trustProjectRecords(); // idempotent
            SingleObjectCodec<ClickEvent> codec =
                    SingleObjectCodec.withWriterSchemas(ClickEvent.class, List.of());
            assertThat(codec.decode(codec.encode(Samples.click()))).isEqualTo(Samples.click());
            assertThat(ClassSecurityValidator.getGlobal().isTrusted(String.class)).isFalse();
        } finally {
            ClassSecurityValidator.setGlobal(original);
        }
    }
}
