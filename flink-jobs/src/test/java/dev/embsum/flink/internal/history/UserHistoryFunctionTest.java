package dev.embsum.flink.internal.history;

import static dev.embsum.flink.internal.Records.release;
import static dev.embsum.flink.internal.Records.tokenized;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.embsum.avro.state.HistoryEntryState;
import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.avro.state.ReleaseRef;
import dev.embsum.avro.state.TokenizedClick;
import dev.embsum.avro.state.UserHistoryState;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.InterceptedMetrics;
import dev.embsum.flink.internal.MeteredKeyedBroadcastHarness;
import dev.embsum.flink.internal.TokenBytes;
import dev.embsum.flink.internal.model.Releases;
import dev.embsum.runtime.text.EngagementHistory;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

class UserHistoryFunctionTest {

    private static final Duration TTL = Duration.ofDays(30);

    /**
     * A keyed broadcast harness (clicks keyed by user, releases broadcast) with readable metrics.
     */
    private static final class Fixture implements AutoCloseable {
        final InterceptedMetrics metrics = new InterceptedMetrics();
        final MockEnvironment env = metrics.environment();
        final MeteredKeyedBroadcastHarness<String, TokenizedClick, VerifiedRelease, RefreshRequest>
                h;

        Fixture(int historySize, boolean backfill, OperatorSubtaskState restore) throws Exception {
            h =
                    new MeteredKeyedBroadcastHarness<>(
                            new UserHistoryFunction(
                                    historySize, new Debounce(1_000, 5_000), TTL, backfill),
                            TokenizedClick::getUserId,
                            Types.STRING,
                            env,
                            Releases.broadcastState());
            if (restore != null) {
                h.setup();
                h.initializeState(restore);
            }
            h.open();
        }

        List<RefreshRequest> out() {
            return h.extractOutputValues();
        }

        long counter(String name) {
            return ((Counter) metrics.operator.get(name)).getCount();
        }

        @Override
        public void close() throws Exception {
            h.close();
            env.close();
        }
    }

    private static Fixture harness(int historySize) throws Exception {
        return new Fixture(historySize, true, null);
    }

    @Test
    void refreshesOneSecondAfterTheLastClick() throws Exception {
        try (var f = harness(60)) {
            var h = f.h;
            h.setProcessingTime(0);
            h.processElement(tokenized("e1", "u1", "N1", 100, 32099, 5), 0);
            h.setProcessingTime(800);
            h.processElement(tokenized("e2", "u1", "N2", 200, 32099, 6), 0);
            h.setProcessingTime(1_799);
            assertThat(f.out()).isEmpty();
            h.setProcessingTime(1_800);
            assertThat(f.out())
                    .singleElement()
                    .satisfies(
                            r -> {
                                assertThat(r.getUserId()).isEqualTo("u1");
                                assertThat(r.getHistoryVersion()).isEqualTo(2);
                                assertThat(r.getEntries())
                                        .extracting(HistoryEntryState::getItemId)
                                        .containsExactly("N1", "N2");
                                assertThat(r.getLastEventTimeMs()).isEqualTo(200);
                                assertThat(r.getFirstPendingAtMs()).isEqualTo(0);
                                assertThat(r.getBackfill()).isFalse();
                                assertThat(r.getAfterRelease()).isNull(); // no release received yet
                            });
            assertThat(h.numProcessingTimeTimers()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aUserWhoKeepsClickingIsRefreshedWithinTheCap() throws Exception {
        try (var f = harness(60)) {
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
        try (var f = harness(2)) {
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
        try (var f = harness(60)) {
            f.h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            f.h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            f.h.setProcessingTime(10_000);
            assertThat(f.out()).extracting(RefreshRequest::getHistoryVersion).containsExactly(1L);
            assertThat(f.counter("clicksDuplicate")).isEqualTo(1);
        }
    }

    @Test
    void theFinalWatermarkFlushesPendingRefreshes() throws Exception {
        try (var f = harness(60)) {
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
        try (var f = harness(60)) {
            f.h.setProcessingTime(0);
            f.h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            snapshot = f.h.snapshot(1, 1);
        }
        try (var f = new Fixture(60, true, snapshot)) {
            f.h.setProcessingTime(500);
            f.h.processElement(tokenized("e2", "u1", "B", 2, 32099, 2), 0);
            f.h.setProcessingTime(1_500);
            assertThat(f.out())
                    .singleElement()
                    .satisfies(
                            r -> {
                                assertThat(r.getHistoryVersion()).isEqualTo(2);
                                assertThat(r.getFirstPendingAtMs()).isEqualTo(0);
                            });
        }
    }

    @Test
    void gaugeCountsUsersWithAPendingRefresh() throws Exception {
        try (var f = harness(60)) {
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

    @Test
    void everyRequestCarriesTheNewestReleaseReceived() throws Exception {
        try (var f = new Fixture(60, false, null)) {
            f.h.setProcessingTime(0);
            f.h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            f.h.processBroadcastElement(
                    release("v2", 1), 0); // arrives while u1's refresh is pending
            f.h.setProcessingTime(1_000);
            f.h.processElement(tokenized("e2", "u2", "A", 2, 32099, 1), 0);
            f.h.processBroadcastElement(release("v3", 2), 0);
            f.h.setProcessingTime(2_000);
            assertThat(f.out())
                    .extracting(
                            RefreshRequest::getUserId,
                            r -> r.getAfterRelease().getModelVersion(),
                            r -> r.getAfterRelease().getSeq(),
                            RefreshRequest::getBackfill)
                    .containsExactly(tuple("u1", "v2", 1L, false), tuple("u2", "v3", 2L, false));
            assertThat(f.counter("backfillScheduled")).isZero(); // backfill off: releases only tag
        }
    }

    @Test
    void aReleaseBackfillsEveryUserOnceWithTheirCurrentHistory() throws Exception {
        try (var f = harness(60)) {
            var h = f.h;
            h.setProcessingTime(0);
            h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            h.processElement(tokenized("e2", "u1", "B", 2, 32099, 2), 0);
            h.processElement(tokenized("e3", "u2", "A", 3, 32099, 1), 0);
            h.processElement(tokenized("e4", "u3", "C", 4, 32099, 3), 0);
            h.setProcessingTime(1_000);
            List<RefreshRequest> normal = List.copyOf(f.out());
            assertThat(normal).hasSize(3);
            h.getOutput().clear();
            h.setProcessingTime(1_500);
            h.processElement(
                    tokenized("e5", "u4", "D", 5, 32099, 4), 0); // u4: refresh still pending

            VerifiedRelease v2 = release("v2", 1);
            h.processBroadcastElement(v2, 0);

            // one backfill request per refreshed user: their history as a refresh would send it
            List<RefreshRequest> backfill = List.copyOf(f.out());
            assertThat(backfill)
                    .extracting(RefreshRequest::getUserId)
                    .containsExactlyInAnyOrder("u1", "u2", "u3");
            ReleaseRef ref = Releases.ref(v2);
            for (RefreshRequest b : backfill) {
                RefreshRequest refreshed =
                        normal.stream()
                                .filter(r -> r.getUserId().equals(b.getUserId()))
                                .findFirst()
                                .orElseThrow();
                assertThat(b.getBackfill()).isTrue();
                assertThat(b.getAfterRelease()).isEqualTo(ref);
                assertThat(b.getHistoryVersion()).isEqualTo(refreshed.getHistoryVersion());
                assertThat(b.getEntries()).isEqualTo(refreshed.getEntries());
                assertThat(b.getNextSeq()).isEqualTo(refreshed.getNextSeq());
                assertThat(b.getLastEventTimeMs()).isEqualTo(refreshed.getLastEventTimeMs());
                assertThat(b.getFirstPendingAtMs()).isEqualTo(1_500); // when it was scheduled
            }
            assertThat(f.counter("backfillScheduled")).isEqualTo(3);

            // u4's pending refresh is not doubled by a backfill: it follows the release and says so
            h.getOutput().clear();
            h.setProcessingTime(2_500);
            assertThat(f.out())
                    .singleElement()
                    .satisfies(
                            r -> {
                                assertThat(r.getUserId()).isEqualTo("u4");
                                assertThat(r.getBackfill()).isFalse();
                                assertThat(r.getAfterRelease()).isEqualTo(ref);
                            });

            // the same release again (a replay) backfills nobody; the next release everybody
            h.getOutput().clear();
            h.processBroadcastElement(v2, 0);
            assertThat(f.out()).isEmpty();
            h.processBroadcastElement(release("v3", 2), 0);
            assertThat(f.out())
                    .extracting(RefreshRequest::getUserId)
                    .containsExactlyInAnyOrder("u1", "u2", "u3", "u4");
            assertThat(f.counter("backfillScheduled")).isEqualTo(7);
        }
    }

    @Test
    void usersWhoseHistoryExpiredAreNotBackfilled() throws Exception {
        try (var f = harness(60)) {
            f.h.setStateTtlProcessingTime(0);
            f.h.processElement(tokenized("e1", "old", "A", 1, 32099, 1), 0);
            f.h.setProcessingTime(1_000); // refreshed
            f.h.setStateTtlProcessingTime(TTL.toMillis() / 2);
            f.h.processElement(tokenized("e2", "recent", "A", 2, 32099, 1), 0);
            f.h.setProcessingTime(2_000);
            f.h.getOutput().clear();

            f.h.setStateTtlProcessingTime(TTL.toMillis() + 1); // "old" idle for longer than the TTL
            f.h.processBroadcastElement(release("v2", 1), 0);
            assertThat(f.out()).extracting(RefreshRequest::getUserId).containsExactly("recent");
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
            ValueStateDescriptor<UserHistoryState> descriptor =
                    new ValueStateDescriptor<>(
                            "history", TypeInformation.of(UserHistoryState.class));
            descriptor.enableTimeToLive(
                    StateTtlConfig.newBuilder(TTL)
                            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                            .build());
            history = getRuntimeContext().getState(descriptor);
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
        try (var f = new Fixture(60, true, snapshot)) {
            f.h.setProcessingTime(1_000); // the restored timer
            assertThat(f.out())
                    .singleElement()
                    .satisfies(
                            r -> {
                                assertThat(r.getUserId()).isEqualTo("u1");
                                assertThat(r.getHistoryVersion()).isEqualTo(1);
                                assertThat(r.getEntries())
                                        .extracting(HistoryEntryState::getItemId)
                                        .containsExactly("A");
                            });
            f.h.processElement(
                    tokenized("e1", "u1", "A", 1, 32099, 1), 0); // the restored event ids
            assertThat(f.counter("clicksDuplicate")).isEqualTo(1);
            f.h.getOutput().clear();
            f.h.processBroadcastElement(release("v2", 1), 0); // the first release after the upgrade
            assertThat(f.out()).extracting(RefreshRequest::getUserId).containsExactly("u1");
        }
    }

    @Test
    void aRestoredReleaseIsNotBackfilledAgain() throws Exception {
        OperatorSubtaskState snapshot;
        try (var f = harness(60)) {
            f.h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            f.h.setProcessingTime(1_000);
            f.h.processBroadcastElement(release("v2", 1), 0);
            assertThat(f.out()).filteredOn(RefreshRequest::getBackfill).hasSize(1);
            snapshot = f.h.snapshot(1, 1);
        }
        try (var f = new Fixture(60, true, snapshot)) {
            f.h.processBroadcastElement(release("v2", 1), 0); // e.g. re-read from the topic
            assertThat(f.out()).isEmpty();
            f.h.processElement(tokenized("e2", "u1", "B", 2, 32099, 2), 0);
            f.h.setProcessingTime(5_000);
            assertThat(f.out())
                    .singleElement()
                    .satisfies(
                            r -> {
                                assertThat(r.getHistoryVersion()).isEqualTo(2);
                                assertThat(r.getAfterRelease().getModelVersion())
                                        .isEqualTo("v2"); // restored broadcast state
                            });
        }
    }
}
