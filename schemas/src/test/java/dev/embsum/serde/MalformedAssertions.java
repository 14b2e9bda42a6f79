package dev.embsum.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.embsum.serde.MalformedRecordException.Kind;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** The check the decoding tests of every package share. */
public final class MalformedAssertions {

    private MalformedAssertions() {}

    /**
     * Asserts that {@code decoding} throws a {@link MalformedRecordException} of {@code kind}; the
     * returned assert checks the exception further.
     */
    public static AbstractThrowableAssert<?, ? extends Throwable> assertMalformedKind(
            ThrowingCallable decoding, Kind kind) {
        return assertMalformedKind("", decoding, kind);
    }

    /** As {@link #assertMalformedKind(ThrowingCallable, Kind)}, failing with a description. */
    public static AbstractThrowableAssert<?, ? extends Throwable> assertMalformedKind(
            String description, ThrowingCallable decoding, Kind kind) {
        return assertThatThrownBy(decoding, description)
                .isInstanceOfSatisfying(
                        MalformedRecordException.class, e -> assertThat(e.kind()).isEqualTo(kind));
    }
}
