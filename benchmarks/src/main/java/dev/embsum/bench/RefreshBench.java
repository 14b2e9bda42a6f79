package dev.embsum.bench;

import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.inference.InferenceOptions;
import dev.embsum.runtime.inference.UserRefresh;
import dev.embsum.runtime.text.EngagementHistory;
import dev.embsum.runtime.text.HistoryEntry;
import dev.embsum.runtime.text.Session;
import dev.embsum.runtime.text.SessionGrouper;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * User refresh on the demo bundle (ONNX Runtime, CPU): full refreshes of real MIND users at batch
 * 1, 8 and 32 (cache cleared before every call), and one click's refresh with the encoder-output
 * cache warm (incremental) vs cold (full). Time per call; users/s = batch / time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx2g"})
@Threads(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
public class RefreshBench {

    /** Users of the MIND sample, behaviors.tsv order, replayed with the bundle's contract. */
    @State(Scope.Benchmark)
    public static class Users {
        @Param({"1"})
        public int threads;

        EmbSumRuntime runtime;
        SessionGrouper grouper;
        List<EngagementHistory> histories;

        /** Users whose 60-item window is full: one more click also slides the window. */
        List<EngagementHistory> full;

        @Setup(Level.Trial)
        public void open() throws Exception {
            runtime =
                    EmbSumRuntime.open(
                            MindSample.bundle(),
                            InferenceOptions.defaults().withIntraOpThreads(threads));
            grouper = new SessionGrouper(runtime.contract());
            histories = MindSample.histories(runtime, 400);
            full = histories.stream().filter(h -> h.size() == h.capacity()).limit(16).toList();
        }

        @TearDown(Level.Trial)
        public void close() {
            runtime.close();
        }

        List<List<Session>> sessions(int from, int count) {
            List<List<Session>> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                out.add(grouper.sessions(histories.get((from + i) % histories.size())));
            }
            return out;
        }
    }

    /** Full refresh of a batch: nothing cached. */
    @State(Scope.Thread)
    public static class Batch {
        @Param({"1", "8", "32"})
        public int batch;

        int next;
        List<List<Session>> users;

        @Setup(Level.Invocation)
        public void pick(Users u) {
            u.runtime.clearCache();
            users = u.sessions(next, batch);
            next += batch;
        }
    }

    @Benchmark
    public List<UserRefresh> refreshBatch(Users u, Batch b) throws Exception {
        return u.runtime.refresh(b.users);
    }

    /** One user, one new click: the refresh that follows it. */
    @State(Scope.Thread)
    public static class OneClick {
        int next;
        List<Session> before;
        List<Session> after;

        void pick(Users u) {
            EngagementHistory h = u.full.get(next++ % u.full.size());
            // a new item (not in the window): a repeat would move an entry and touch more sessions
            HistoryEntry click = null;
            for (int i = 0; click == null; i++) {
                HistoryEntry c = u.histories.get((next + i) % u.histories.size()).entries().get(0);
                if (h.entries().stream().noneMatch(e -> e.itemId().equals(c.itemId()))) {
                    click = c;
                }
            }
            before = u.grouper.sessions(h);
            after = u.grouper.sessions(h.add(click.itemId(), Long.MAX_VALUE / 2, click.tokens()));
        }
    }

    @State(Scope.Thread)
    public static class WarmCache extends OneClick {
        @Setup(Level.Invocation)
        public void warm(Users u) throws Exception {
            pick(u);
            u.runtime.clearCache();
            u.runtime.refresh(List.of(before));
        }
    }

    @State(Scope.Thread)
    public static class ColdCache extends OneClick {
        @Setup(Level.Invocation)
        public void cold(Users u) {
            pick(u);
            u.runtime.clearCache();
        }
    }

    @Benchmark
    public UserRefresh oneClickIncremental(Users u, WarmCache c) throws Exception {
        return u.runtime.refreshOne(c.after);
    }

    @Benchmark
    public UserRefresh oneClickFull(Users u, ColdCache c) throws Exception {
        return u.runtime.refreshOne(c.after);
    }
}
