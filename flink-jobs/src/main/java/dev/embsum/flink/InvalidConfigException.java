package dev.embsum.flink;

import dev.embsum.annotation.PublicEvolving;

/** A job configuration that cannot run; the message says what is wrong and how to fix it. */
@PublicEvolving
public final class InvalidConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidConfigException(String message) {
        super(message);
    }

    public InvalidConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
