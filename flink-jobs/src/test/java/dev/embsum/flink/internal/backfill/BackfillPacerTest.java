package dev.embsum.flink.internal.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.avro.state.ReleaseRef;
import dev.embsum.flink.internal.Harnesses;
import dev.embsum.flink.internal.Harnesses.Metered;
import dev.embsum.flink.internal.Records;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class BackfillPacerTest {

    /** The pacer in a keyed harness with readable metrics. */
    private static final class Fixture
            extends Metered<
                    KeyedOneInputStreamOperatorTestHarness<
                            String, RefreshRequest, RefreshRequest>> {

        Fixture(int usersPerSecond, OperatorSubtaskState restore, long startMs) throws Exception {
            super(
                    env ->
                            Harnesses.keyed(
                                    new BackfillPacer(usersPerSecond),
                                    RefreshRequest::getUserId,
                                    env),
                    restore);
            h.setProcessingTime(startMs);
        }

        /** {@link #sent} once the processing time is {@code time}. */
        List<String> sentBy(long time) throws Exception {
            h.setProcessingTime(time);
            return sent();
        }

        /** What left the pacer so far, as user@history_version. */
        List<String> sent() {
            return h.extractOutputValues().stream()
                    .map(r -> r.getUserId() + "@" + r.getHistoryVersion())
                    .toList();
        }

        long pending() {
            return (Long) gauge("backfillPending");
        }
    }

    @Test
    void backfillRequestsLeaveOnePerSlotAtTheRate() throws Exception {
        try (var f = new Fixture(20, null, 1_000)) { // 20/s: one slot every 50 ms
            for (int i = 0; i < 5; i++) {
                f.h.processElement(backfill("u" + i, 1, "v2"), 0);
            }
            assertThat(f.pending()).isEqualTo(5);
            assertThat(f.h.numProcessingTimeTimers()).isEqualTo(5);
            assertThat(f.sentBy(1_000)).containsExactly("u0@1");
            assertThat(f.sentBy(1_049)).hasSize(1);
            assertThat(f.sentBy(1_050)).containsExactly("u0@1", "u1@1");
            assertThat(f.sentBy(1_199)).hasSize(4);
            assertThat(f.sentBy(1_200)).containsExactly("u0@1", "u1@1", "u2@1", "u3@1", "u4@1");
            assertThat(f.h.extractOutputValues())
                    .allSatisfy(r -> assertThat(r.getBackfill()).isTrue());
            assertThat(f.pending()).isZero();
            assertThat(f.counter("backfillEmitted")).isEqualTo(5);
            assertThat(f.h.numKeyedStateEntries()).isZero();

            // idle since: the next backfill starts at once, not in a slot reserved long ago
            f.h.setProcessingTime(10_000);
            f.h.processElement(backfill("u5", 1, "v3"), 0);
            f.h.processElement(backfill("u6", 1, "v3"), 0);
            assertThat(f.sentBy(10_000)).hasSize(6);
            assertThat(f.sentBy(10_050)).hasSize(7);
        }
    }

    @Test
    void ratesAboveOnePerMillisecondShareMilliseconds() throws Exception {
        try (var f = new Fixture(4_000, null, 0)) { // a slot every 250 µs: four per millisecond
            for (int i = 0; i < 12; i++) {
                f.h.processElement(backfill("u" + i, 1, "v2"), 0);
            }
            assertThat(f.sentBy(1)).hasSize(8);
            assertThat(f.sentBy(2)).hasSize(12);
        }
    }

    @Test
    void refreshesForClicksPassAtOnceAndCancelThePendingBackfill() throws Exception {
        try (var f = new Fixture(1, null, 0)) { // one a second
            f.h.processElement(backfill("u1", 3, "v2"), 0);
            f.h.processElement(backfill("u2", 5, "v2"), 0);
            f.h.processElement(refresh("u3", 9, "v2"), 0); // no backfill pending: straight through
            f.h.processElement(
                    refresh("u2", 6, "v2"), 0); // u2 clicked: its refresh replaces the backfill
            assertThat(f.sent()).containsExactly("u3@9", "u2@6");
            assertThat(f.h.extractOutputValues()).noneMatch(RefreshRequest::getBackfill);
            assertThat(f.pending()).isEqualTo(1);
            assertThat(f.counter("backfillSuperseded")).isEqualTo(1);
            assertThat(f.h.numProcessingTimeTimers()).isEqualTo(1); // u2's slot is given up

            assertThat(f.sentBy(5_000)).containsExactly("u3@9", "u2@6", "u1@3");
            assertThat(f.counter("backfillEmitted")).isEqualTo(1);
            assertThat(f.pending()).isZero();
        }
    }

    @Test
    void aNewerReleasesBackfillReplacesThePendingOneInItsSlot() throws Exception {
        try (var f = new Fixture(1, null, 0)) {
            f.h.processElement(backfill("u1", 3, "v2"), 0); // slot 0
            f.h.processElement(backfill("u2", 5, "v2"), 0); // slot 1,000
            f.h.processElement(backfill("u2", 5, "v3"), 0); // v3 arrived before u2's turn
            assertThat(f.pending()).isEqualTo(2);
            assertThat(f.h.numProcessingTimeTimers()).isEqualTo(2);
            f.h.setProcessingTime(1_000);
            assertThat(f.h.extractOutputValues())
                    .extracting(r -> r.getUserId() + " " + r.getAfterRelease().getModelVersion())
                    .containsExactly("u1 v2", "u2 v3");
            assertThat(f.counter("backfillEmitted")).isEqualTo(2);
        }
    }

    @Test
    void pendingBackfillsSlotsAndCountSurviveARestoreWithoutABurst() throws Exception {
        OperatorSubtaskState snapshot;
        try (var f = new Fixture(10, null, 1_000)) { // a slot every 100 ms
            for (int i = 0; i < 6; i++) {
                f.h.processElement(backfill("u" + i, 1, "v2"), 0); // slots 1,000 .. 1,500
            }
            assertThat(f.sentBy(1_100)).containsExactly("u0@1", "u1@1");
            snapshot = f.h.snapshot(1, 1_100);
        }
        // back after 0.1 s: the restored slots are kept; a new backfill queues behind them
        try (var f = new Fixture(10, snapshot, 1_150)) {
            assertThat(f.pending()).isEqualTo(4);
            f.h.processElement(backfill("u9", 1, "v2"), 0);
            assertThat(f.sentBy(1_500)).containsExactly("u2@1", "u3@1", "u4@1", "u5@1");
            assertThat(f.sentBy(1_599)).hasSize(4);
            assertThat(f.sentBy(1_600)).hasSize(5);
            assertThat(f.pending()).isZero();
        }
        // back after 10 s: the missed slots are queued again from now, one per slot, not at once
        try (var f = new Fixture(10, snapshot, 11_100)) {
            assertThat(f.sent()).hasSize(1); // the first takes the slot "now"
            assertThat(f.pending()).isEqualTo(3);
            assertThat(f.sentBy(11_199)).hasSize(1);
            assertThat(f.sentBy(11_200)).hasSize(2);
            assertThat(f.sentBy(11_400)).containsExactlyInAnyOrder("u2@1", "u3@1", "u4@1", "u5@1");
            assertThat(f.pending()).isZero();
        }
    }

    @Test
    void withTheBackfillOffRequestsOnlyPassThrough() throws Exception {
        try (var f = new Fixture(0, null, 0)) {
            f.h.processElement(refresh("u1", 1, null), 0);
            f.h.processElement(
                    backfill("u2", 1, "v2"), 0); // none come from user-history; at once if any
            assertThat(f.sentBy(0)).containsExactly("u1@1", "u2@1");
        }
    }

    private static RefreshRequest backfill(String user, long version, String release) {
        return Records.refresh(user, version, ref(release), true);
    }

    private static RefreshRequest refresh(String user, long version, String release) {
        return Records.refresh(user, version, ref(release), false);
    }

    private static ReleaseRef ref(String release) {
        return release == null
                ? null
                : ReleaseRef.newBuilder()
                        .setModelVersion(release)
                        .setSeq(release.hashCode())
                        .build();
    }
}
