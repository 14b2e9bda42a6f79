package dev.embsum.flink.internal.history;

/**
 * When a user's pending refresh is due: {@code debounce} after the latest click, but never more
 * than {@code maxDelay} after the first click not yet refreshed. A burst of clicks thus costs one
 * refresh, and a user who never stops clicking is still refreshed every {@code maxDelay}.
 */
public record Debounce(long debounceMs, long maxDelayMs) implements java.io.Serializable {

    public Debounce {
        if (debounceMs < 0 || maxDelayMs < debounceMs) {
            throw new IllegalArgumentException(
                    "need 0 <= debounce <= maxDelay, got "
                            + debounceMs
                            + " ms and "
                            + maxDelayMs
                            + " ms");
        }
    }

    /**
     * @param nowMs processing time of the click just accepted
     * @param pendingSinceMs processing time of the first click not yet refreshed (= nowMs if this
     *     is the first)
     */
    public long dueAt(long nowMs, long pendingSinceMs) {
        return Math.min(nowMs + debounceMs, pendingSinceMs + maxDelayMs);
    }
}
