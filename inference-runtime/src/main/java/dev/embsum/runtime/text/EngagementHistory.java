package dev.embsum.runtime.text;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A user's engagement history, per docs/text-contract.md section 3:
 *
 * <ul>
 *   <li>every accepted engagement gets {@code seq = nextSeq}, the user's absolute engagement
 *       counter (never reused);
 *   <li>engaging an item already present removes its old entry and appends a new one with the new
 *       seq (a repeat moves the item to the newest position);
 *   <li>only the newest H entries (by seq) are kept, ordered by seq ascending;
 *   <li>{@code historyVersion} counts accepted engagements (repeats included); under the current
 *       contract it equals {@code nextSeq}, but it is stored on its own because it is the ordering
 *       key for emitted embeddings.
 * </ul>
 *
 * <p>Which engagements are accepted (a CLICK, or a RATE with rating &gt; 3) is decided by the
 * caller; {@link #add} takes accepted ones only.
 *
 * <p><b>Immutable.</b> {@link #add} returns a new history and leaves this one untouched; the
 * unchanged {@link HistoryEntry} objects are shared. That makes the value safe to hand to an async
 * inference request while the next click is processed, and it is exactly one state record for
 * Flink: capacity is configuration, and {@link #restore} rebuilds the value from {@code entries +
 * nextSeq + historyVersion}.
 */
public final class EngagementHistory {

    private final int capacity;
    private final List<HistoryEntry> entries;
    private final long nextSeq;
    private final long historyVersion;

    private EngagementHistory(
            int capacity, List<HistoryEntry> entries, long nextSeq, long historyVersion) {
        this.capacity = capacity;
        this.entries = Collections.unmodifiableList(entries);
        this.nextSeq = nextSeq;
        this.historyVersion = historyVersion;
    }

    /** An empty history keeping at most {@code capacity} (H) entries. */
    public static EngagementHistory empty(int capacity) {
        requireCapacity(capacity);
        return new EngagementHistory(capacity, List.of(), 0, 0);
    }

    /** An empty history with the contract's H. */
    public static EngagementHistory empty(TextContract contract) {
        return empty(contract.validate().historySize());
    }

    /**
     * Rebuilds a history from stored state. If {@code capacity} is smaller than when it was stored
     * (a new model with a smaller H), only the newest {@code capacity} entries are kept.
     *
     * @throws IllegalArgumentException if the entries are not strictly ascending by seq, repeat an
     *     item, or have a seq not below {@code nextSeq}
     */
    public static EngagementHistory restore(
            int capacity, List<HistoryEntry> entries, long nextSeq, long historyVersion) {
        requireCapacity(capacity);
        if (nextSeq < 0 || historyVersion < 0) {
            throw new IllegalArgumentException(
                    "nextSeq and historyVersion must be >= 0, got "
                            + nextSeq
                            + " and "
                            + historyVersion);
        }
        Set<String> seen = new HashSet<>();
        long previous = -1;
        for (HistoryEntry e : entries) {
            if (e.seq() <= previous || e.seq() >= nextSeq) {
                throw new IllegalArgumentException(
                        "history entries must have strictly ascending"
                                + " seq below nextSeq = "
                                + nextSeq
                                + ", got "
                                + e
                                + " after seq "
                                + previous);
            }
            if (!seen.add(e.itemId())) {
                throw new IllegalArgumentException("history repeats item " + e.itemId());
            }
            previous = e.seq();
        }
        List<HistoryEntry> kept =
                new ArrayList<>(
                        entries.subList(Math.max(0, entries.size() - capacity), entries.size()));
        return new EngagementHistory(capacity, kept, nextSeq, historyVersion);
    }

    /**
     * The history after one more accepted engagement.
     *
     * @param itemTokens the item's tokens ([SOS] first), each id in 0..65535
     * @return a new history; this one is unchanged
     */
    public EngagementHistory add(String itemId, long eventTimeMillis, int[] itemTokens) {
        Objects.requireNonNull(itemId, "itemId");
        HistoryEntry added = new HistoryEntry(itemId, nextSeq, eventTimeMillis, itemTokens);
        List<HistoryEntry> next = new ArrayList<>(Math.min(entries.size() + 1, capacity + 1));
        for (HistoryEntry e : entries) {
            if (!e.itemId().equals(itemId)) {
                next.add(e);
            }
        }
        next.add(added);
        if (next.size() > capacity) {
            next = new ArrayList<>(next.subList(next.size() - capacity, next.size()));
        }
        return new EngagementHistory(capacity, next, nextSeq + 1, historyVersion + 1);
    }

    /** Entries, oldest first (ascending seq); unmodifiable. */
    public List<HistoryEntry> entries() {
        return entries;
    }

    /** The seq the next accepted engagement will get. */
    public long nextSeq() {
        return nextSeq;
    }

    /** Number of accepted engagements so far, repeats included. */
    public long historyVersion() {
        return historyVersion;
    }

    /** H: the most entries kept. */
    public int capacity() {
        return capacity;
    }

    public int size() {
        return entries.size();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EngagementHistory h
                && capacity == h.capacity
                && nextSeq == h.nextSeq
                && historyVersion == h.historyVersion
                && entries.equals(h.entries);
    }

    @Override
    public int hashCode() {
        return Objects.hash(capacity, entries, nextSeq, historyVersion);
    }

    @Override
    public String toString() {
        return "EngagementHistory["
                + entries.size()
                + "/"
                + capacity
                + " entries, nextSeq="
                + nextSeq
                + ", version="
                + historyVersion
                + "]";
    }

    private static void requireCapacity(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity H must be >= 1, got " + capacity);
        }
    }
}
