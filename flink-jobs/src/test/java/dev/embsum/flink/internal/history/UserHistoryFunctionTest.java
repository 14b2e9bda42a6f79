package dev.embsum.flink.internal.history;

import static dev.embsum.flink.internal.Records.tokenized;
import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.state.HistoryEntryState;
import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.avro.state.TokenizedClick;
import dev.embsum.flink.internal.InterceptedMetrics;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class UserHistoryFunctionTest {

    private static KeyedOneInputStreamOperatorTestHarness<String, TokenizedClick, RefreshRequest> harness(int h)
            throws Exception {
        var harness = unopened(h);
        harness.open();
        return harness;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, TokenizedClick, RefreshRequest> unopened(int h)
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
                new UserHistoryFunction(h, new Debounce(1_000, 5_000), Duration.ofDays(30))),
                TokenizedClick::getUserId, Types.STRING);
    }

    @Test
    void refreshesOneSecondAfterTheLastClick() throws Exception {
        try (var h = harness(60)) {
            h.setProcessingTime(0);
            h.processElement(tokenized("e1", "u1", "N1", 100, 32099, 5), 0);
            h.setProcessingTime(800);
            h.processElement(tokenized("e2", "u1", "N2", 200, 32099, 6), 0);
            h.setProcessingTime(1_799);
            assertThat(h.extractOutputValues()).isEmpty();
            h.setProcessingTime(1_800);
            assertThat(h.extractOutputValues()).singleElement().satisfies(r -> {
                assertThat(r.getUserId()).isEqualTo("u1");
                assertThat(r.getHistoryVersion()).isEqualTo(2);
                assertThat(r.getEntries()).extracting(HistoryEntryState::getItemId).containsExactly("N1", "N2");
                assertThat(r.getLastEventTimeMs()).isEqualTo(200);
                assertThat(r.getFirstPendingAtMs()).isEqualTo(0);
            });
            assertThat(h.numProcessingTimeTimers()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aUserWhoKeepsClickingIsRefreshedWithinTheCap() throws Exception {
        try (var h = harness(60)) {
            for (int t = 0; t <= 6_000; t += 500) {
                h.setProcessingTime(t);
                h.processElement(tokenized("e" + t, "u1", "N" + t, t, 32099, 5), 0);
            }
            // first pending at 0 → due at 5,000 whatever came later; the next burst started at 5,500
            assertThat(h.extractOutputValues()).extracting(RefreshRequest::getHistoryVersion).containsExactly(10L);
            h.setProcessingTime(7_000);
            assertThat(h.extractOutputValues()).extracting(RefreshRequest::getHistoryVersion).containsExactly(10L, 13L);
        }
    }

    @Test
    void historyFollowsTheContractDedupeWindowAndVersion() throws Exception {
        try (var h = harness(2)) {
            h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            h.processElement(tokenized("e2", "u1", "B", 2, 32099, 2), 0);
            h.processElement(tokenized("e3", "u1", "A", 3, 32099, 1), 0);
            h.processElement(tokenized("e4", "u1", "C", 4, 32099, 3), 0);
            h.setProcessingTime(10_000);
            RefreshRequest r = h.extractOutputValues().get(0);
            assertThat(r.getEntries()).extracting(HistoryEntryState::getItemId).containsExactly("A", "C");
            assertThat(r.getEntries()).extracting(HistoryEntryState::getSeq).containsExactly(2L, 3L);
            assertThat(r.getHistoryVersion()).isEqualTo(4);
            assertThat(r.getNextSeq()).isEqualTo(4);
        }
    }

    @Test
    void aRedeliveredEventIsNotCountedTwice() throws Exception {
        try (var h = harness(60)) {
            h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            h.setProcessingTime(10_000);
            assertThat(h.extractOutputValues()).extracting(RefreshRequest::getHistoryVersion).containsExactly(1L);
        }
    }

    @Test
    void theFinalWatermarkFlushesPendingRefreshes() throws Exception {
        try (var h = harness(60)) {
            h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            h.processElement(tokenized("e2", "u2", "B", 1, 32099, 2), 0);
            h.processWatermark(Long.MAX_VALUE);
            assertThat(h.extractOutputValues()).extracting(RefreshRequest::getUserId).containsExactlyInAnyOrder("u1", "u2");
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void historyAndPendingRefreshSurviveASnapshot() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(60)) {
            h.setProcessingTime(0);
            h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            snapshot = h.snapshot(1, 1);
        }
        try (var h = unopened(60)) {
            h.setup();
            h.initializeState(snapshot);
            h.open();
            h.setProcessingTime(500);
            h.processElement(tokenized("e2", "u1", "B", 2, 32099, 2), 0);
            h.setProcessingTime(1_500);
            assertThat(h.extractOutputValues()).singleElement().satisfies(r -> {
                assertThat(r.getHistoryVersion()).isEqualTo(2);
                assertThat(r.getFirstPendingAtMs()).isEqualTo(0);
            });
        }
    }

    @Test
    void gaugeCountsUsersWithAPendingRefresh() throws Exception {
        InterceptedMetrics metrics = new InterceptedMetrics();
        try (var env = metrics.environment();
                var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
                        new UserHistoryFunction(60, new Debounce(1_000, 5_000), Duration.ofDays(30))),
                        TokenizedClick::getUserId, Types.STRING, env)) {
            h.open();
            Gauge<?> pending = (Gauge<?>) metrics.operator.get("refreshesPending");
            h.setProcessingTime(0);
            h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            h.processElement(tokenized("e2", "u1", "B", 2, 32099, 2), 0); // same user: still 1
            h.processElement(tokenized("e3", "u2", "A", 3, 32099, 1), 0);
            assertThat(pending.getValue()).isEqualTo(2L);
            h.setProcessingTime(1_000); // both refreshed
            assertThat(pending.getValue()).isEqualTo(0L);
            h.processElement(tokenized("e4", "u1", "C", 4, 32099, 3), 0);
            assertThat(pending.getValue()).isEqualTo(1L);
            h.processWatermark(Long.MAX_VALUE); // drain flush
            assertThat(pending.getValue()).isEqualTo(0L);
        }
    }
}
