package dev.embsum.flink.internal.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.avro.state.TokenizedClick;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.Harnesses.Metered;
import dev.embsum.flink.internal.MeteredKeyedBroadcastHarness;
import dev.embsum.flink.internal.model.Releases;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;

/**
 * user-history in a keyed broadcast harness (clicks keyed by user, releases broadcast), with
 * readable metrics: a 1 s debounce capped at 5 s and a {@link #TTL} history.
 */
final class UserHistoryHarness
        extends Metered<
                MeteredKeyedBroadcastHarness<
                        String, TokenizedClick, VerifiedRelease, RefreshRequest>> {

    static final Duration TTL = Duration.ofDays(30);

    /**
     * @param backfill whether a release backfills every user
     * @param restore the state to start from, or null
     */
    UserHistoryHarness(int historySize, boolean backfill, OperatorSubtaskState restore)
            throws Exception {
        super(
                env ->
                        new MeteredKeyedBroadcastHarness<>(
                                new UserHistoryFunction(
                                        historySize, new Debounce(1_000, 5_000), TTL, backfill),
                                TokenizedClick::getUserId,
                                Types.STRING,
                                env,
                                Releases.broadcastState()),
                restore);
    }

    /** A history of up to {@code historySize} items, backfill on, fresh state. */
    static UserHistoryHarness started(int historySize) throws Exception {
        return new UserHistoryHarness(historySize, true, null);
    }

    /** A history of up to 60 items, backfill on, restored from {@code snapshot}. */
    static UserHistoryHarness restored(OperatorSubtaskState snapshot) throws Exception {
        return new UserHistoryHarness(60, true, snapshot);
    }

    /** The one refresh request sent so far (fails unless there is exactly one). */
    RefreshRequest onlyRequest() {
        assertThat(out()).hasSize(1);
        return out().get(0);
    }

    /** The refresh requests sent so far. */
    List<RefreshRequest> out() {
        return h.extractOutputValues();
    }
}
