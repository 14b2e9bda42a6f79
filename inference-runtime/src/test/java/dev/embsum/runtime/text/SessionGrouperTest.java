package dev.embsum.runtime.text;

import static dev.embsum.runtime.text.EngagementHistoryTest.replay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SessionGrouperTest {

    private static final int SOS = 32099;
    private final SessionGrouper grouper = new SessionGrouper(TextContract.defaults());

    @Test
    void sessionIdIsSeqDividedByP() {
        assertThat(SessionGrouper.sessionId(0, 4)).isZero();
        assertThat(SessionGrouper.sessionId(3, 4)).isZero();
        assertThat(SessionGrouper.sessionId(4, 4)).isEqualTo(1);
        assertThat(SessionGrouper.sessionId(59, 4)).isEqualTo(14);
        assertThat(SessionGrouper.sessionId(7, 1)).isEqualTo(7);
    }

    @Test
    void groupsByFourWithSosPositionsAndOneEosPerSession() {
        EngagementHistory h =
                replay(EngagementHistory.empty(60), "i1", "i2", "i3", "i4", "i5", "i6");
        List<Session> sessions = grouper.sessions(h);
        assertThat(sessions).hasSize(2);

        Session first = sessions.get(0);
        assertThat(first.sessionId()).isZero();
        assertThat(first.itemIds()).containsExactly("i1", "i2", "i3", "i4");
        assertThat(first.tokens()).containsExactly(SOS, 101, SOS, 102, SOS, 103, SOS, 104, 1);
        assertThat(first.sosPositions()).containsExactly(0, 2, 4, 6);

        Session second = sessions.get(1);
        assertThat(second.sessionId()).isEqualTo(1);
        assertThat(second.itemIds()).containsExactly("i5", "i6");
        assertThat(second.tokens()).containsExactly(SOS, 105, SOS, 106, 1);
        assertThat(second.sosPositions()).containsExactly(0, 2);
    }

    @Test
    void sosPositionsFollowItemLengths() {
        EngagementHistory h =
                EngagementHistory.empty(60)
                        .add("a", 0, new int[] {SOS, 7, 8, 9})
                        .add("b", 0, new int[] {SOS})
                        .add("c", 0, new int[] {SOS, 5, 6});
        Session s = grouper.sessions(h).get(0);
        assertThat(s.tokens()).containsExactly(SOS, 7, 8, 9, SOS, SOS, 5, 6, 1);
        assertThat(s.sosPositions()).containsExactly(0, 4, 5);
    }

    @Test
    void dedupeLeavesHolesAndTheWindowEdgeCutsTheOldestSession() {
        // seqs 0..5, then i2 again (seq 6): session 0 = {i1, i3, i4}, session 1 = {i5, i6, i2}
        EngagementHistory h =
                replay(EngagementHistory.empty(60), "i1", "i2", "i3", "i4", "i5", "i6", "i2");
        assertThat(grouper.sessions(h))
                .extracting(Session::itemIds)
                .containsExactly(List.of("i1", "i3", "i4"), List.of("i5", "i6", "i2"));

        // H = 5 over 10 clicks keeps seqs 5..9 (i6..i10): session 1 = seqs 5..7, 2 = seqs 8..9.
        EngagementHistory w =
                replay(
                        EngagementHistory.empty(5),
                        "i1",
                        "i2",
                        "i3",
                        "i4",
                        "i5",
                        "i6",
                        "i7",
                        "i8",
                        "i9",
                        "i10");
        assertThat(grouper.sessions(w)).extracting(Session::sessionId).containsExactly(1L, 2L);
        assertThat(grouper.sessions(w))
                .extracting(Session::itemIds)
                .containsExactly(List.of("i6", "i7", "i8"), List.of("i9", "i10"));
    }

    @Test
    void pOneMakesEveryItemItsOwnSession() {
        SessionGrouper single = new SessionGrouper(TextContract.defaults().withSessionSize(1));
        EngagementHistory h = replay(EngagementHistory.empty(60), "i1", "i2", "i3");
        List<Session> sessions = single.sessions(h);
        assertThat(sessions).extracting(Session::sessionId).containsExactly(0L, 1L, 2L);
        assertThat(sessions.get(2).tokens()).containsExactly(SOS, 103, 1);
        assertThat(sessions.get(2).sosPositions()).containsExactly(0);
    }

    @Test
    void emptyHistoryHasNoSessions() {
        assertThat(grouper.sessions(EngagementHistory.empty(60))).isEmpty();
    }

    @Test
    void aNewClickChangesOnlyTheNewestSessionAndTheSlideOnlyTheOldest() {
        EngagementHistory before = EngagementHistory.empty(60);
        for (int i = 0; i < 62; i++) { // seqs 2..61 in the window: sessions 0..15
            before = replay(before, "i" + i);
        }
        EngagementHistory after = replay(before, "i62"); // seq 62 → session 15; seq 2 leaves
        List<Session> a = grouper.sessions(before);
        List<Session> b = grouper.sessions(after);
        assertThat(a).hasSameSizeAs(b);
        assertThat(b.get(0).itemIds()).containsExactly("i3"); // oldest lost i2
        assertThat(a.get(0).itemIds()).containsExactly("i2", "i3");
        assertThat(b.get(15).itemIds()).containsExactly("i60", "i61", "i62"); // newest gained
        for (int i = 1; i < 15; i++) {
            assertThat(b.get(i)).isEqualTo(a.get(i));
            assertThat(b.get(i).contentKey()).isEqualTo(a.get(i).contentKey());
        }
        assertThat(b.get(0).contentKey()).isNotEqualTo(a.get(0).contentKey());
        assertThat(b.get(15).contentKey()).isNotEqualTo(a.get(15).contentKey());
    }

    @Test
    void contentKeysDependOnTokensOnly() {
        Session x = new Session(3, List.of("a"), new int[] {SOS, 5, 1}, new int[] {0});
        Session y = new Session(9, List.of("b"), new int[] {SOS, 5, 1}, new int[] {0});
        Session z = new Session(3, List.of("a"), new int[] {SOS, 6, 1}, new int[] {0});
        assertThat(x.contentKey()).isEqualTo(y.contentKey());
        assertThat(x.contentKey().hashCode()).isEqualTo(y.contentKey().hashCode());
        assertThat(x.contentKey()).isNotEqualTo(z.contentKey());
        assertThat(x.contentKey().toString()).matches("[0-9a-f]{32}");
    }

    @Test
    void sessionsAreImmutable() {
        int[] tokens = {SOS, 5, 1};
        Session s = new Session(0, List.of("a"), tokens, new int[] {0});
        tokens[1] = 99;
        s.tokens()[1] = 99;
        assertThat(s.tokens()).containsExactly(SOS, 5, 1);
    }

    @Test
    void overlongSessionsFromAnotherContractAreRefused() {
        int[] big = new int[200];
        big[0] = SOS;
        EngagementHistory h =
                EngagementHistory.empty(60).add("a", 0, big).add("b", 0, big).add("c", 0, big);
        assertThatThrownBy(() -> grouper.sessions(h))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("601")
                .hasMessageContaining("512");
    }
}
