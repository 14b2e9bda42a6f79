package dev.embsum.flink;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A bounded, checkpointed in-memory source for the job tests: replays a list in order, at the pace
 * a {@link ReplayGate} allows. Its position is in every checkpoint and savepoint, so after a
 * restore it continues where the snapshot was taken, like a Kafka source with offsets.
 *
 * <p>Built from Flink's {@link NumberSequenceSource} (one split, parallelism 1): the source emits
 * indexes, a chained map ({@code uid + "-records"}) turns each into its record.
 */
public final class ReplaySource {

    private static final long GATE_POLL_MS = 10;

    private ReplaySource() {}

    /** {@code records} as a stream with source uid {@code uid}, paced by {@code gate}. */
    public static <T> DataStream<T> of(
            StreamExecutionEnvironment env,
            String uid,
            List<T> records,
            TypeInformation<T> type,
            ReplayGate gate) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("nothing to replay for " + uid);
        }
        return env.fromSource(
                        new GatedIndexSource(records.size(), gate),
                        WatermarkStrategy.noWatermarks(),
                        uid)
                .uid(uid)
                .setParallelism(1)
                .map(new AtIndex<>(new ArrayList<>(records)))
                .returns(type)
                .uid(uid + "-records")
                .name(uid + " records")
                .setParallelism(1);
    }

    private static final class AtIndex<T> implements MapFunction<Long, T> {
        private static final long serialVersionUID = 1L;
        private final List<T> records;

        AtIndex(List<T> records) {
            this.records = records;
        }

        @Override
        public T map(Long index) {
            return records.get(Math.toIntExact(index));
        }
    }

    private static final class GatedIndexSource extends NumberSequenceSource {
        private static final long serialVersionUID = 1L;
        private final long size;
        private final ReplayGate gate;

        GatedIndexSource(long size, ReplayGate gate) {
            super(0, size - 1);
            this.size = size;
            this.gate = gate;
        }

        @Override
        public SourceReader<Long, NumberSequenceSplit> createReader(SourceReaderContext context) {
            return new GatedReader(super.createReader(context), size, gate);
        }
    }

    /**
     * Asks the gate before each index and before ending; tracks the position (next index) and the
     * position each completed checkpoint captured.
     */
    private static final class GatedReader
            implements SourceReader<Long, NumberSequenceSource.NumberSequenceSplit> {
        private final SourceReader<Long, NumberSequenceSource.NumberSequenceSplit> delegate;
        private final long size;
        private final ReplayGate gate;
        private final NavigableMap<Long, Long> positionAtCheckpoint = new TreeMap<>();
        private ScheduledExecutorService timer;
        private CompletableFuture<Void> gateRetry;
        private long next = -1; // unknown until the split arrives
        private boolean ended;
        private volatile long checkpointed = -1;

        GatedReader(
                SourceReader<Long, NumberSequenceSource.NumberSequenceSplit> delegate,
                long size,
                ReplayGate gate) {
            this.delegate = delegate;
            this.size = size;
            this.gate = gate;
        }

        @Override
        public void start() {
            timer =
                    Executors.newSingleThreadScheduledExecutor(
                            r -> {
                                Thread t = new Thread(r, "replay-gate");
                                t.setDaemon(true);
                                return t;
                            });
            delegate.start();
        }

        @Override
        public InputStatus pollNext(ReaderOutput<Long> output) throws Exception {
            gateRetry = null;
            long upcoming = ended ? size : next;
            if (upcoming >= 0 && !gate.allows(upcoming, upcoming >= size, checkpointed)) {
                gateRetry = new CompletableFuture<>();
                CompletableFuture<Void> retry = gateRetry;
                timer.schedule(() -> retry.complete(null), GATE_POLL_MS, TimeUnit.MILLISECONDS);
                return InputStatus.NOTHING_AVAILABLE;
            }
            if (ended) {
                return InputStatus.END_OF_INPUT;
            }
            InputStatus status = delegate.pollNext(new Counting(output));
            if (status == InputStatus.END_OF_INPUT) {
                ended = true;
                return pollNext(output); // the gate decides when to end
            }
            return status;
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return gateRetry != null ? gateRetry : delegate.isAvailable();
        }

        @Override
        public void addSplits(List<NumberSequenceSource.NumberSequenceSplit> splits) {
            for (NumberSequenceSource.NumberSequenceSplit split : splits) {
                next = next < 0 ? split.from() : Math.min(next, split.from());
            }
            delegate.addSplits(splits);
        }

        @Override
        public void notifyNoMoreSplits() {
            delegate.notifyNoMoreSplits();
        }

        @Override
        public List<NumberSequenceSource.NumberSequenceSplit> snapshotState(long checkpointId) {
            positionAtCheckpoint.put(checkpointId, ended ? size : Math.max(next, 0));
            return delegate.snapshotState(checkpointId);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            Long position = positionAtCheckpoint.get(checkpointId);
            if (position != null) {
                checkpointed = Math.max(checkpointed, position);
            }
            positionAtCheckpoint.headMap(checkpointId, true).clear();
            delegate.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void close() throws Exception {
            if (timer != null) {
                timer.shutdownNow();
            }
            delegate.close();
        }

        /** Advances the position as the delegate emits (it emits the indexes themselves). */
        private final class Counting implements ReaderOutput<Long> {
            private final ReaderOutput<Long> out;

            Counting(ReaderOutput<Long> out) {
                this.out = out;
            }

            @Override
            public void collect(Long index) {
                out.collect(index);
                next = index + 1;
            }

            @Override
            public void collect(Long index, long timestamp) {
                out.collect(index, timestamp);
                next = index + 1;
            }

            @Override
            public void emitWatermark(org.apache.flink.api.common.eventtime.Watermark watermark) {
                out.emitWatermark(watermark);
            }

            @Override
            public void markIdle() {
                out.markIdle();
            }

            @Override
            public void markActive() {
                out.markActive();
            }

            @Override
            public SourceOutput<Long> createOutputForSplit(String splitId) {
                return out.createOutputForSplit(splitId);
            }

            @Override
            public void releaseOutputForSplit(String splitId) {
                out.releaseOutputForSplit(splitId);
            }
        }
    }
}
