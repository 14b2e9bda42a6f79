package dev.embsum.cli.internal;

/**
 * A command failed for a reason its message explains to the operator, including what to do about
 * it: printed without a stack trace, exit status 1.
 */
public final class CliFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CliFailure(String message) {
        super(message);
    }

    public CliFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
