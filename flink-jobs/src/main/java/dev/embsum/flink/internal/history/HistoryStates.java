package dev.embsum.flink.internal.history;

import dev.embsum.avro.state.HistoryEntryState;
import dev.embsum.flink.internal.TokenBytes;
import dev.embsum.runtime.text.EngagementHistory;
import dev.embsum.runtime.text.HistoryEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts between the Avro state form of a history ({@link HistoryEntryState}s + next_seq +
 * history_version) and inference-runtime's {@link EngagementHistory}, which owns the history rules
 * (dedupe, window, seq). Keeping the rules there means the job and the oracle of the tests cannot
 * drift apart.
 */
public final class HistoryStates {

    private HistoryStates() {}

    /** The history of stored entries; with a smaller capacity than stored, the newest are kept. */
    public static EngagementHistory toHistory(
            int capacity, List<HistoryEntryState> entries, long nextSeq, long historyVersion) {
        List<HistoryEntry> restored = new ArrayList<>(entries.size());
        for (HistoryEntryState e : entries) {
            restored.add(
                    HistoryEntry.fromPacked(
                            e.getItemId(),
                            e.getSeq(),
                            e.getEventTimeMs(),
                            TokenBytes.unpackChars(e.getTokens())));
        }
        return EngagementHistory.restore(capacity, restored, nextSeq, historyVersion);
    }

    /** The entries of a history in state form, oldest first. */
    public static List<HistoryEntryState> toEntries(EngagementHistory history) {
        List<HistoryEntryState> out = new ArrayList<>(history.size());
        for (HistoryEntry e : history.entries()) {
            out.add(
                    HistoryEntryState.newBuilder()
                            .setItemId(e.itemId())
                            .setSeq(e.seq())
                            .setEventTimeMs(e.eventTimeMillis())
                            .setTokens(TokenBytes.packChars(e.packedTokens()))
                            .build());
        }
        return out;
    }
}
