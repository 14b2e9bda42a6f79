package dev.embsum.flink.internal.model;

import static dev.embsum.flink.internal.Records.release;
import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.state.RefreshOrRelease;
import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.Harnesses;
import dev.embsum.flink.internal.Records;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

class RefreshWithReleasesTest {

    private static final VerifiedRelease V2 = release("v2", 1);
    private static final VerifiedRelease V3 = release("v3", 2);

    private static BroadcastOperatorTestHarness<RefreshRequest, VerifiedRelease, RefreshOrRelease>
            harness(OperatorSubtaskState restore) throws Exception {
        return Harnesses.open(
                new BroadcastOperatorTestHarness<RefreshRequest, VerifiedRelease, RefreshOrRelease>(
                        new CoBroadcastWithNonKeyedOperator<>(
                                new RefreshWithReleases(), List.of(Releases.broadcastState())),
                        1,
                        1,
                        0),
                restore);
    }

    @Test
    void releasesGoInBandBetweenTheRequestsTheyArrivedBetween() throws Exception {
        try (var h = harness(null)) {
            h.processElement(request("u1", null), 0);
            h.processBroadcastElement(V2, 0);
            h.processElement(request("u2", V2), 0);
            h.processElement(request("u3", null), 0);
            assertThat(describe(h)).containsExactly("u1", "release v2", "u2", "u3");
            assertThat(h.getBroadcastState(Releases.broadcastState()).get(Releases.CURRENT))
                    .isEqualTo(V2);
        }
    }

    @Test
    void aRequestMadeAfterAReleaseWaitsForItThenFollowsItInArrivalOrder() throws Exception {
        try (var h = harness(null)) {
            h.processElement(
                    request("u1", V2), 0); // user-history had v2 already, this operator not yet
            h.processElement(request("u2", null), 0);
            h.processElement(request("u3", V3), 0);
            h.processElement(request("u4", V2), 0);
            assertThat(describe(h)).containsExactly("u2");
            h.processBroadcastElement(V2, 0);
            assertThat(describe(h)).containsExactly("u2", "release v2", "u1", "u4");
            h.processElement(request("u5", V2), 0); // v2 passed: at once
            h.processBroadcastElement(V3, 0);
            assertThat(describe(h))
                    .containsExactly("u2", "release v2", "u1", "u4", "u5", "release v3", "u3");
        }
    }

    @Test
    void aNewerReleaseCoversRequestsMadeAfterAnOlderOne() throws Exception {
        try (var h = harness(null)) {
            h.processBroadcastElement(V3, 0);
            h.processElement(request("u1", V2), 0);
            assertThat(describe(h)).containsExactly("release v3", "u1");
        }
    }

    @Test
    void heldRequestsSurviveASnapshot() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(null)) {
            h.processBroadcastElement(V2, 0);
            h.processElement(request("u1", V3), 0);
            snapshot = h.snapshot(1, 1);
            assertThat(describe(h)).containsExactly("release v2");
        }
        try (var h = harness(snapshot)) {
            h.processElement(request("u2", V2), 0);
            assertThat(describe(h)).containsExactly("u2"); // u1 still waits for v3
            h.processBroadcastElement(V3, 0);
            assertThat(describe(h)).containsExactly("u2", "release v3", "u1");
        }
    }

    private static List<String> describe(
            BroadcastOperatorTestHarness<RefreshRequest, VerifiedRelease, RefreshOrRelease> h) {
        return h.extractOutputValues().stream()
                .map(
                        o ->
                                o.getRelease() != null
                                        ? "release " + o.getRelease().getModelVersion()
                                        : o.getRequest().getUserId())
                .toList();
    }

    private static RefreshRequest request(String user, VerifiedRelease after) {
        return Records.refresh(user, 1, Releases.ref(after), false);
    }
}
