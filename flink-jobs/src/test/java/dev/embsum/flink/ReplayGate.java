package dev.embsum.flink;

import java.io.Serializable;

/**
 * When a {@link ReplaySource} may emit its next record, or end. The source asks before every record
 * and before ending, from its task thread, and while the answer is no it stays idle (polling every
 * few milliseconds) without blocking its task: checkpoint barriers still flow. That is the point:
 * an operator that blocks a task (e.g. a map that sleeps until a condition holds) stops that task's
 * checkpoint barriers, and with aligned checkpoints a downstream two-input operator then stops
 * reading its other input too, which can deadlock the job.
 *
 * <p>Gates are serialized with the job graph: capture only names and numbers, and look shared state
 * up by name (e.g. {@link CollectingSink#size}).
 */
@FunctionalInterface
public interface ReplayGate extends Serializable {

    /**
     * @param next index of the record the source would emit next (the list's size when it would
     *     end)
     * @param atEnd every record has been emitted; the question is whether to end
     * @param checkpointed the source position (records before it emitted) in the newest checkpoint
     *     completed since this source reader started, -1 if none
     */
    boolean allows(long next, boolean atEnd, long checkpointed);

    /** Everything, at once. */
    static ReplayGate open() {
        return (next, atEnd, checkpointed) -> true;
    }

    /** Nothing until the collecting sink {@code sink} holds at least {@code count} records. */
    static ReplayGate afterSinkHolds(String sink, int count) {
        return (next, atEnd, checkpointed) -> CollectingSink.size(sink) >= count;
    }

    /** Ends only once the collecting sink {@code sink} holds at least {@code count} records. */
    static ReplayGate endOnceSinkHolds(String sink, int count) {
        return (next, atEnd, checkpointed) -> !atEnd || CollectingSink.size(sink) >= count;
    }

    /**
     * Records from {@code index} on only once a checkpoint taken at or after {@code index} has
     * completed (so a failure after that restores mid-stream, not from the start).
     */
    static ReplayGate checkpointAt(long index) {
        return (next, atEnd, checkpointed) -> next < index || checkpointed >= index;
    }

    /** Stops before record {@code index} and stays open (idle) until the job is stopped. */
    static ReplayGate holdAt(long index) {
        return (next, atEnd, checkpointed) -> next < index;
    }

    /**
     * Everything from {@code index} on; a record before it fails the job, naming {@code who}: the
     * source must resume there (from a savepoint or checkpoint), not replay from the start.
     */
    static ReplayGate resumesAt(long index, String who) {
        return (next, atEnd, checkpointed) -> {
            if (next < index) {
                throw new IllegalStateException(
                        who
                                + " replays click "
                                + next
                                + ": its source did not resume at "
                                + index
                                + " from the savepoint");
            }
            return true;
        };
    }

    /** Both gates allow. */
    default ReplayGate and(ReplayGate other) {
        return (next, atEnd, checkpointed) ->
                allows(next, atEnd, checkpointed) && other.allows(next, atEnd, checkpointed);
    }
}
