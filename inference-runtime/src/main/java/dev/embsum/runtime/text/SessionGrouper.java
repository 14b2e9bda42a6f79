package dev.embsum.runtime.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * History → sessions, per docs/text-contract.md section 4: an entry's session id is {@code seq /
 * p}; sessions are the distinct ids present, ascending; a session's tokens are its items' tokens in
 * seq order followed by {@code </s>}.
 *
 * <p>Boundaries depend on seq alone, so a new (non-repeat) click changes only the newest session
 * and the window slide only the oldest; every other session keeps identical tokens and its encoder
 * output can be reused ({@link Session#contentKey()}). A repeat click also removes the item from
 * its old session, changing that one too.
 *
 * <p>Stateless and thread-safe.
 */
public final class SessionGrouper {

    private final int p;
    private final int eosId;
    private final int maxTokens;

    public SessionGrouper(TextContract contract) {
        Objects.requireNonNull(contract, "contract").validate();
        this.p = contract.sessionSize();
        this.eosId = contract.eosId();
        this.maxTokens = contract.sessionMaxTokens();
    }

    /** The session id of an entry: {@code floor(seq / p)} (seq is never negative). */
    public static long sessionId(long seq, int p) {
        return Math.floorDiv(seq, p);
    }

    /**
     * The sessions of {@code history}, oldest first.
     *
     * @throws IllegalStateException if a session exceeds l tokens, which the validated contract
     *     rules out unless the history holds items formatted under another contract
     */
    public List<Session> sessions(EngagementHistory history) {
        List<HistoryEntry> entries = history.entries();
        List<Session> sessions = new ArrayList<>();
        int start = 0;
        while (start < entries.size()) {
            long id = sessionId(entries.get(start).seq(), p);
            int end = start;
            int length = 1; // </s>
            while (end < entries.size() && sessionId(entries.get(end).seq(), p) == id) {
                length += entries.get(end).tokenCount();
                end++;
            }
            if (length > maxTokens) {
                throw new IllegalStateException(
                        "session "
                                + id
                                + " has "
                                + length
                                + " tokens, over the limit l = "
                                + maxTokens);
            }
            int[] tokens = new int[length];
            int[] sos = new int[end - start];
            List<String> itemIds = new ArrayList<>(end - start);
            int offset = 0;
            for (int i = start; i < end; i++) {
                HistoryEntry e = entries.get(i);
                sos[i - start] = offset;
                itemIds.add(e.itemId());
                e.copyTokensTo(tokens, offset);
                offset += e.tokenCount();
            }
            tokens[offset] = eosId;
            sessions.add(new Session(id, itemIds, tokens, sos));
            start = end;
        }
        return sessions;
    }

    /** p, the items per session. */
    public int sessionSize() {
        return p;
    }
}
