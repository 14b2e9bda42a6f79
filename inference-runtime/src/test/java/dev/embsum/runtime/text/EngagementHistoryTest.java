package dev.embsum.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class EngagementHistoryTest {

    /** Synthetic item tokens: [SOS, 100 + n] for item "i<n>". */
    static int[] tokensOf(String itemId) {
        return new int[] {32099, 100 + Integer.parseInt(itemId.substring(1))};
    }

    static EngagementHistory replay(EngagementHistory h, String... itemIds) {
        for (String id : itemIds) {
            h = h.add(id, 1000L * h.nextSeq(), tokensOf(id));
        }
        return h;
    }

    static List<String> ids(EngagementHistory h) {
        return h.entries().stream().map(HistoryEntry::itemId).toList();
    }

    static List<Long> seqs(EngagementHistory h) {
        return h.entries().stream().map(HistoryEntry::seq).toList();
    }

    @Test
    void seqIsTheAbsoluteEngagementCounter() {
        EngagementHistory h = replay(EngagementHistory.empty(60), "i1", "i2", "i3");
        assertThat(ids(h)).containsExactly("i1", "i2", "i3");
        assertThat(seqs(h)).containsExactly(0L, 1L, 2L);
        assertThat(h.nextSeq()).isEqualTo(3);
        assertThat(h.historyVersion()).isEqualTo(3);
        assertThat(h.entries().get(1).eventTimeMillis()).isEqualTo(1000);
        assertThat(h.entries().get(1).tokens()).containsExactly(32099, 102);
    }

    @Test
    void aRepeatMovesTheItemToTheNewestPositionWithANewSeq() {
        EngagementHistory h = replay(EngagementHistory.empty(60), "i1", "i2", "i3", "i1");
        assertThat(ids(h)).containsExactly("i2", "i3", "i1");
        assertThat(seqs(h)).containsExactly(1L, 2L, 3L);
        // The repeat counts as an engagement: seq 0 is never reused.
        assertThat(h.nextSeq()).isEqualTo(4);
        assertThat(h.historyVersion()).isEqualTo(4);
        h = replay(h, "i1");
        assertThat(ids(h)).containsExactly("i2", "i3", "i1");
        assertThat(seqs(h)).containsExactly(1L, 2L, 4L);
        assertThat(h.historyVersion()).isEqualTo(5);
    }

    @Test
    void onlyTheNewestHEntriesAreKept() {
        EngagementHistory h = EngagementHistory.empty(3);
        h = replay(h, "i1", "i2", "i3", "i4", "i5");
        assertThat(ids(h)).containsExactly("i3", "i4", "i5");
        assertThat(seqs(h)).containsExactly(2L, 3L, 4L);
        assertThat(h.historyVersion()).isEqualTo(5);
        // A repeat inside the window does not evict anything.
        h = replay(h, "i4");
        assertThat(ids(h)).containsExactly("i3", "i5", "i4");
        // An evicted item coming back is a new entry.
        h = replay(h, "i1");
        assertThat(ids(h)).containsExactly("i5", "i4", "i1");
        assertThat(seqs(h)).containsExactly(4L, 5L, 6L);
    }

    @Test
    void sixtyOneClicksKeepSixty() {
        EngagementHistory h = EngagementHistory.empty(TextContract.defaults());
        for (int i = 0; i < 61; i++) {
            h = replay(h, "i" + i);
        }
        assertThat(h.size()).isEqualTo(60);
        assertThat(h.entries().get(0).itemId()).isEqualTo("i1");
        assertThat(h.entries().get(59).seq()).isEqualTo(60);
    }

    @Test
    void addLeavesTheOriginalUntouched() {
        EngagementHistory before = replay(EngagementHistory.empty(2), "i1", "i2");
        EngagementHistory after = replay(before, "i3");
        assertThat(ids(before)).containsExactly("i1", "i2");
        assertThat(before.nextSeq()).isEqualTo(2);
        assertThat(ids(after)).containsExactly("i2", "i3");
        assertThatThrownBy(() -> after.entries().clear())
                .isInstanceOf(UnsupportedOperationException.class);
        // Unchanged entries are shared, not copied.
        assertThat(after.entries().get(0)).isSameAs(before.entries().get(1));
    }

    @Test
    void tokenIdsAreStoredIn16BitsAndComeBackExactly() {
        int[] tokens = {32099, 32127, 32768, 65535, 0};
        EngagementHistory h = EngagementHistory.empty(60).add("i1", 0, tokens);
        HistoryEntry e = h.entries().get(0);
        assertThat(e.tokens()).containsExactly(tokens);
        assertThat(e.packedTokens()).hasSize(5);
        HistoryEntry copy = HistoryEntry.fromPacked("i1", 0, 0, e.packedTokens());
        assertThat(copy).isEqualTo(e);
        assertThatThrownBy(() -> h.add("i2", 0, new int[] {65536}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.add("i2", 0, new int[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void restoresFromStateAndKeepsCounting() {
        EngagementHistory original = replay(EngagementHistory.empty(4), "i1", "i2", "i3", "i2");
        EngagementHistory restored =
                EngagementHistory.restore(
                        4, original.entries(), original.nextSeq(), original.historyVersion());
        assertThat(restored).isEqualTo(original);
        assertThat(replay(restored, "i9")).isEqualTo(replay(original, "i9"));
        // A smaller H keeps the newest entries.
        EngagementHistory smaller =
                EngagementHistory.restore(
                        2, original.entries(), original.nextSeq(), original.historyVersion());
        assertThat(ids(smaller)).containsExactly("i3", "i2");
    }

    @Test
    void restoreRefusesInconsistentState() {
        HistoryEntry a = new HistoryEntry("i1", 0, 0, tokensOf("i1"));
        HistoryEntry b = new HistoryEntry("i2", 1, 0, tokensOf("i2"));
        HistoryEntry a2 = new HistoryEntry("i1", 2, 0, tokensOf("i1"));
        assertThatThrownBy(() -> EngagementHistory.restore(60, List.of(b, a), 2, 2))
                .hasMessageContaining("ascending");
        assertThatThrownBy(() -> EngagementHistory.restore(60, List.of(a, b), 1, 1))
                .hasMessageContaining("nextSeq");
        assertThatThrownBy(() -> EngagementHistory.restore(60, List.of(a, b, a2), 3, 3))
                .hasMessageContaining("repeats item i1");
    }
}
