package dev.embsum.flink.internal.history;

import static dev.embsum.flink.internal.Records.release;
import static dev.embsum.flink.internal.Records.tokenized;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.avro.state.ReleaseRef;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.model.Releases;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

/**
 * user-history and the model releases: every request names the newest release received, and a
 * release backfills every user in state once (not again after a restore, not after their history
 * expired).
 */
class UserHistoryReleasesTest {

    @Test
    void everyRequestCarriesTheNewestReleaseReceived() throws Exception {
        try (var f = new UserHistoryHarness(60, false, null)) {
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
        try (var f = UserHistoryHarness.started(60)) {
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
            RefreshRequest request = f.onlyRequest();
            assertThat(request.getUserId()).isEqualTo("u4");
            assertThat(request.getBackfill()).isFalse();
            assertThat(request.getAfterRelease()).isEqualTo(ref);

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
        try (var f = UserHistoryHarness.started(60)) {
            f.h.setStateTtlProcessingTime(0);
            f.h.processElement(tokenized("e1", "old", "A", 1, 32099, 1), 0);
            f.h.setProcessingTime(1_000); // refreshed
            f.h.setStateTtlProcessingTime(UserHistoryHarness.TTL.toMillis() / 2);
            f.h.processElement(tokenized("e2", "recent", "A", 2, 32099, 1), 0);
            f.h.setProcessingTime(2_000);
            f.h.getOutput().clear();

            f.h.setStateTtlProcessingTime(
                    UserHistoryHarness.TTL.toMillis() + 1); // "old" idle for longer than the TTL
            f.h.processBroadcastElement(release("v2", 1), 0);
            assertThat(f.out()).extracting(RefreshRequest::getUserId).containsExactly("recent");
        }
    }

    @Test
    void aRestoredReleaseIsNotBackfilledAgain() throws Exception {
        OperatorSubtaskState snapshot;
        try (var f = UserHistoryHarness.started(60)) {
            f.h.processElement(tokenized("e1", "u1", "A", 1, 32099, 1), 0);
            f.h.setProcessingTime(1_000);
            f.h.processBroadcastElement(release("v2", 1), 0);
            assertThat(f.out()).filteredOn(RefreshRequest::getBackfill).hasSize(1);
            snapshot = f.h.snapshot(1, 1);
        }
        try (var f = UserHistoryHarness.restored(snapshot)) {
            f.h.processBroadcastElement(release("v2", 1), 0); // e.g. re-read from the topic
            assertThat(f.out()).isEmpty();
            f.h.processElement(tokenized("e2", "u1", "B", 2, 32099, 2), 0);
            f.h.setProcessingTime(5_000);
            RefreshRequest request = f.onlyRequest();
            assertThat(request.getHistoryVersion()).isEqualTo(2);
            assertThat(request.getAfterRelease().getModelVersion())
                    .isEqualTo("v2"); // restored broadcast state
        }
    }
}
