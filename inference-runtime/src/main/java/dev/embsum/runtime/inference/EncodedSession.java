package dev.embsum.runtime.inference;

/**
 * The session encoder's output for one session: the states of its real tokens only (padding
 * dropped), {@code [length, d]} row-major. It depends on the session's token ids alone, which is
 * what makes the per-session cache exact.
 */
record EncodedSession(int length, int dim, float[] states) {

    EncodedSession {
        if (states.length != length * dim) {
            throw new IllegalArgumentException(
                    "states has " + states.length + " floats, expected " + length + " x " + dim);
        }
    }

    /** Heap bytes held, for the cache's byte bound (array header and record included). */
    long bytes() {
        return 4L * states.length + 64;
    }

    /** Copies token {@code position}'s state into {@code out} at {@code offset}. */
    void copyRow(int position, float[] out, int offset) {
        System.arraycopy(states, position * dim, out, offset, dim);
    }
}
