package dev.embsum.flink.internal.history;

import static dev.embsum.flink.internal.Records.release;
import static dev.embsum.flink.internal.Records.tokenized;
import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.state.HistoryEntryState;
import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.avro.state.TokenizedClick;
import dev.embsum.avro.state.UserHistoryState;
import dev.embsum.flink.internal.States;
import dev.embsum.flink.internal.TokenBytes;
import dev.embsum.runtime.text.EngagementHistory;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

class UserHistoryFunctionTest {

    @Test
    void refreshesOneSecondAfterTheLastClick() throws Exception {
        try (var f = UserHistoryHarness.started(60)) {
            var h = f.h;
            h.setProcessingTime(0);
            h.processElement(tokenized("e1", "u1", "N1", 100, 32099, 5), 0);
            h.setProcessingTime(800);
            h.processElement(tokenized("e2", "u1", "N2", 200, 32099, 6), 0);
            h.setProcessingTime(1_799);
            assertThat(f.out()).isEmpty();
            h.setProcessingTime(1_800);
            RefreshRequest request = f.onlyRequest();
            assertThat(request.getUserId()).isEqualTo("u1");
            assertThat(request.getHistoryVersion()).isEqualTo(2);
            assertThat(request.getEntries())
                    .extracting(HistoryEntryState::getItemId)
                    .containsExactly("N1", "N2");
            assertThat(request.getLastEventTimeMs()).isEqualTo(200);
            assertThat(request.getFirstPendingAtMs()).isEqualTo(0);
            assertThat(request.getBackfill()).isFalse();
            assertThat(request.getAfterRelease()).isNull(); // no release received yet
            assertThat(h.numProcessingTimeTimers()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aUserWhoKeepsClickingIsRefreshedWithinTheCap() throws Exception {
        try (var f = UserHistoryHarness.started(60)) {
            for (int t = 0; t <= 6_000; t += 500) {
                f.h.setProcessingTime(t);
                f.h.processElement(tokenized("e" + t, "u1", "N" + t, t, 32099, 5), 0);
            }
            // first pending at 0 → due at 5,000 whatever came later; the next burst started at
            // 5,500
            assertThat(f.out()).extracting(RefreshRequest::getHistoryVersion).containsExactly(10L);
            f.h.setProcessingTime(7_000);
            assertThat(f.out())
                    .extracting(RefreshRequest::getHistoryVersion)
                    .containsExactly(10L, 13L);
        }
    }

    @Test
    void historyFollowsTheContractDedupeWindowAndVersion() throws Exception {
        try (var f = UserHistoryHarness.started(2)) {
            f.h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            f.h.processElement(tokenized("e2", "u1", "B", 2, 32099, 2), 0);
            f.h.processElement(tokenized("e3", "u1", "A", 3, 32099, 1), 0);
            f.h.processElement(tokenized("e4", "u1", "C", 4, 32099, 3), 0);
            f.h.setProcessingTime(10_000);
            RefreshRequest r = f.out().get(0);
            assertThat(r.getEntries())
                    .extracting(HistoryEntryState::getItemId)
                    .containsExactly("A", "C");
            assertThat(r.getEntries())
                    .extracting(HistoryEntryState::getSeq)
                    .containsExactly(2L, 3L);
            assertThat(r.getHistoryVersion()).isEqualTo(4);
            assertThat(r.getNextSeq()).isEqualTo(4);
        }
    }

    @Test
    void aRedeliveredEventIsNotCountedTwice() throws Exception {
        try (var f = UserHistoryHarness.started(60)) {
            f.h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            f.h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            f.h.setProcessingTime(10_000);
            assertThat(f.out()).extracting(RefreshRequest::getHistoryVersion).containsExactly(1L);
            assertThat(f.counter("clicksDuplicate")).isEqualTo(1);
        }
    }

    @Test
    void theFinalWatermarkFlushesPendingRefreshes() throws Exception {
        try (var f = UserHistoryHarness.started(60)) {
            f.h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            f.h.processElement(tokenized("e2", "u2", "B", 1, 32099, 2), 0);
            f.h.processWatermarkOnBothInputs(Long.MAX_VALUE);
            assertThat(f.out())
                    .extracting(RefreshRequest::getUserId)
                    .containsExactlyInAnyOrder("u1", "u2");
            assertThat(f.h.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void historyAndPendingRefreshSurviveASnapshot() throws Exception {
        OperatorSubtaskState snapshot;
        try (var f = UserHistoryHarness.started(60)) {
            f.h.setProcessingTime(0);
            f.h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            snapshot = f.h.snapshot(1, 1);
        }
        try (var f = UserHistoryHarness.restored(snapshot)) {
            f.h.setProcessingTime(500);
            f.h.processElement(tokenized("e2", "u1", "B", 2, 32099, 2), 0);
            f.h.setProcessingTime(1_500);
            RefreshRequest request = f.onlyRequest();
            assertThat(request.getHistoryVersion()).isEqualTo(2);
            assertThat(request.getFirstPendingAtMs()).isEqualTo(0);
        }
    }

    @Test
    void gaugeCountsUsersWithAPendingRefresh() throws Exception {
        try (var f = UserHistoryHarness.started(60)) {
            var h = f.h;
            Gauge<?> pending = (Gauge<?>) f.metrics.operator.get("refreshesPending");
            h.setProcessingTime(0);
            h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            h.processElement(tokenized("e2", "u1", "B", 2, 32099, 2), 0); // same user: still 1
            h.processElement(tokenized("e3", "u2", "A", 3, 32099, 1), 0);
            assertThat(pending.getValue()).isEqualTo(2L);
            h.setProcessingTime(1_000); // both refreshed
            assertThat(pending.getValue()).isEqualTo(0L);
            h.processElement(tokenized("e4", "u1", "C", 4, 32099, 3), 0);
            assertThat(pending.getValue()).isEqualTo(1L);
            h.processWatermarkOnBothInputs(Long.MAX_VALUE); // drain flush
            assertThat(pending.getValue()).isEqualTo(0L);
        }
    }

    /**
     * user-history was a one-input KeyedProcessFunction before the backfill. A savepoint of it
     * restores into the keyed broadcast version under the same uid: the keyed state (same name,
     * type and TTL) and the timers (both operator kinds name their timer service "user-timers").
     * This is the old function reduced to what it stores: one click's history, refresh pending.
     */
    private static final class OneInputUserHistory
            extends KeyedProcessFunction<String, TokenizedClick, RefreshRequest> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<UserHistoryState> history;

        @Override
        public void open(OpenContext openContext) {
            history =
                    getRuntimeContext()
                            .getState(
                                    States.expiringValue(
                                            "history",
                                            TypeInformation.of(UserHistoryState.class),
                                            UserHistoryHarness.TTL));
        }

        @Override
        public void processElement(TokenizedClick click, Context ctx, Collector<RefreshRequest> out)
                throws Exception {
            long now = ctx.timerService().currentProcessingTime();
            EngagementHistory h =
                    HistoryStates.toHistory(60, List.of(), 0, 0)
                            .add(
                                    click.getItemId(),
                                    click.getEventTimeMs(),
                                    TokenBytes.unpack(click.getTokens()));
            history.update(
                    UserHistoryState.newBuilder()
                            .setEntries(HistoryStates.toEntries(h))
                            .setNextSeq(h.nextSeq())
                            .setHistoryVersion(h.historyVersion())
                            .setRecentEventIds(List.of(click.getEventId()))
                            .setPendingSinceMs(now)
                            .setRefreshTimerMs(now + 1_000)
                            .build());
            ctx.timerService().registerProcessingTimeTimer(now + 1_000);
        }
    }

    @Test
    void aSavepointOfTheOneInputVersionRestoresIntoThisOne() throws Exception {
        OperatorSubtaskState snapshot;
        try (var old =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new OneInputUserHistory()),
                        TokenizedClick::getUserId,
                        Types.STRING)) {
            old.open();
            old.setProcessingTime(0);
            old.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            snapshot = old.snapshot(1, 1);
        }
        try (var f = UserHistoryHarness.restored(snapshot)) {
            f.h.setProcessingTime(1_000); // the restored timer
            RefreshRequest request = f.onlyRequest();
            assertThat(request.getUserId()).isEqualTo("u1");
            assertThat(request.getHistoryVersion()).isEqualTo(1);
            assertThat(request.getEntries())
                    .extracting(HistoryEntryState::getItemId)
                    .containsExactly("A");
            f.h.processElement(
                    tokenized("e1", "u1", "A", 1, 32099, 1), 0); // the restored event ids
            assertThat(f.counter("clicksDuplicate")).isEqualTo(1);
            f.h.getOutput().clear();
            f.h.processBroadcastElement(release("v2", 1), 0); // the first release after the upgrade
            assertThat(f.out()).extracting(RefreshRequest::getUserId).containsExactly("u1");
        }
    }
}
