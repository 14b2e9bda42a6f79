package dev.embsum.flink;

import dev.embsum.avro.state.RawRecord;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

/**
 * A pass-through that injects one failure per test run (named by {@code run}): at the {@code at}-th
 * record of an attempt (per subtask), or, {@link #afterACheckpoint}, at the first record from there
 * on once a checkpoint completed, so that the restart restores a checkpoint taken mid-stream. Later
 * attempts pass everything.
 */
final class FailOnce implements MapFunction<RawRecord, RawRecord>, CheckpointListener {

    private static final long serialVersionUID = 1L;
    private static final Set<String> FAILED = ConcurrentHashMap.newKeySet();

    private final String run;
    private final int at;
    private final boolean afterACheckpoint;
    private transient int seen;
    private transient boolean checkpointed;

    private FailOnce(String run, int at, boolean afterACheckpoint) {
        this.run = run;
        this.at = at;
        this.afterACheckpoint = afterACheckpoint;
    }

    /** Fails at the {@code at}-th record. */
    static FailOnce atRecord(String run, int at) {
        return new FailOnce(run, at, false);
    }

    /** Fails at the {@code at}-th record or later, once a checkpoint completed. */
    static FailOnce afterACheckpoint(String run, int at) {
        return new FailOnce(run, at, true);
    }

    /** Whether the failure of {@code run} happened. */
    static boolean failed(String run) {
        return FAILED.contains(run);
    }

    @Override
    public RawRecord map(RawRecord value) {
        if (++seen >= at && (checkpointed || !afterACheckpoint) && FAILED.add(run)) {
            throw new IllegalStateException("injected test failure at record " + seen);
        }
        return value;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        checkpointed = true;
    }
}
