package dev.embsum.runtime.inference;

/**
 * The runtime does not reproduce a bundle's golden vectors: the bundle must not serve. The message
 * names the golden file, the user or item, the field and the first difference.
 */
public final class GoldenMismatchException extends Exception {

    public GoldenMismatchException(String message) {
        super(message);
    }
}
