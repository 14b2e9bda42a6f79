package dev.embsum.runtime.text;

import java.util.Arrays;
import java.util.Objects;

/**
 * One engaged item in a user's history: its id, the engagement's {@code seq} (the user's absolute
 * engagement counter, which fixes its session), the event time, and the item tokens captured when
 * the engagement was accepted, stored as 16-bit ids ({@link TokenIds}).
 *
 * <p>Immutable: the token array is copied in and out, so entries can be shared between successive
 * {@link EngagementHistory} values.
 */
public final class HistoryEntry {

    private final String itemId;
    private final long seq;
    private final long eventTimeMillis;
    private final char[] tokens;

    /**
     * @param itemTokens item tokens ([SOS] first), each in 0..65535
     * @throws IllegalArgumentException for a negative seq, empty tokens or an id over 16 bits
     */
    public HistoryEntry(String itemId, long seq, long eventTimeMillis, int[] itemTokens) {
        this(itemId, seq, eventTimeMillis, TokenIds.pack(itemTokens));
    }

    /** Takes ownership of {@code tokens}. */
    private HistoryEntry(String itemId, long seq, long eventTimeMillis, char[] tokens) {
        this.itemId = Objects.requireNonNull(itemId, "itemId");
        if (seq < 0) {
            throw new IllegalArgumentException("seq must be >= 0, got " + seq);
        }
        if (tokens.length == 0) {
            throw new IllegalArgumentException("item " + itemId + " has no tokens");
        }
        this.seq = seq;
        this.eventTimeMillis = eventTimeMillis;
        this.tokens = tokens;
    }

    /** Rebuilds an entry from its stored 16-bit form (the array is copied). */
    public static HistoryEntry fromPacked(
            String itemId, long seq, long eventTimeMillis, char[] packedTokens) {
        return new HistoryEntry(itemId, seq, eventTimeMillis, packedTokens.clone());
    }

    public String itemId() {
        return itemId;
    }

    public long seq() {
        return seq;
    }

    public long eventTimeMillis() {
        return eventTimeMillis;
    }

    /** The item tokens as ints (a fresh array). */
    public int[] tokens() {
        return TokenIds.unpack(tokens);
    }

    /** The stored 16-bit form (a fresh array), for state serializers. */
    public char[] packedTokens() {
        return tokens.clone();
    }

    /** Number of item tokens. */
    public int tokenCount() {
        return tokens.length;
    }

    /** Copies the tokens as ints into {@code dest} at {@code offset}; no allocation. */
    void copyTokensTo(int[] dest, int offset) {
        for (int i = 0; i < tokens.length; i++) {
            dest[offset + i] = tokens[i];
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HistoryEntry e
                && seq == e.seq
                && eventTimeMillis == e.eventTimeMillis
                && itemId.equals(e.itemId)
                && Arrays.equals(tokens, e.tokens);
    }

    @Override
    public int hashCode() {
        return Objects.hash(itemId, seq, eventTimeMillis) * 31 + Arrays.hashCode(tokens);
    }

    @Override
    public String toString() {
        return "HistoryEntry["
                + itemId
                + ", seq="
                + seq
                + ", t="
                + eventTimeMillis
                + ", "
                + tokens.length
                + " tokens]";
    }
}
