package dev.embsum.runtime.text;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One session of a user's history (docs/text-contract.md section 4): the items whose {@code seq /
 * p} equals {@link #sessionId()}, in seq order.
 *
 * @param sessionId {@code seq / p} of its items
 * @param itemIds its items, oldest first
 * @param tokens the items' tokens concatenated, then {@code </s>}; the encoder input
 * @param sosPositions offset of each item's [SOS] (first token) in {@code tokens}, aligned with
 *     {@code itemIds}; the encoder states at these positions are the item vectors
 */
public record Session(long sessionId, List<String> itemIds, int[] tokens, int[] sosPositions) {

    public Session {
        itemIds = List.copyOf(itemIds);
        tokens = tokens.clone();
        sosPositions = sosPositions.clone();
        if (itemIds.size() != sosPositions.length) {
            throw new IllegalArgumentException(
                    "session "
                            + sessionId
                            + ": "
                            + itemIds.size()
                            + " items but "
                            + sosPositions.length
                            + " [SOS] positions");
        }
    }

    /** The tokens (a copy: the session is immutable). */
    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /** The [SOS] positions (a copy: the session is immutable). */
    @Override
    public int[] sosPositions() {
        return sosPositions.clone();
    }

    /** Number of tokens, {@code </s>} included. */
    public int length() {
        return tokens.length;
    }

    /**
     * Key of this session's encoder input for an encoder-output cache: equal tokens give equal
     * keys, whatever the user, session id or items. Sessions are encoded independently, so the
     * cached output is exact; the cache must be scoped to one model version.
     */
    public SessionKey contentKey() {
        return SessionKey.of(tokens);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Session s
                && sessionId == s.sessionId
                && itemIds.equals(s.itemIds)
                && Arrays.equals(tokens, s.tokens)
                && Arrays.equals(sosPositions, s.sosPositions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sessionId, itemIds) * 961
                + Arrays.hashCode(tokens) * 31
                + Arrays.hashCode(sosPositions);
    }

    @Override
    public String toString() {
        return "Session[id="
                + sessionId
                + ", items="
                + itemIds
                + ", "
                + tokens.length
                + " tokens, sos="
                + Arrays.toString(sosPositions)
                + "]";
    }
}
