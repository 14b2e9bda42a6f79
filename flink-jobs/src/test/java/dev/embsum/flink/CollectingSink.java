package dev.embsum.flink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A test sink that collects into a JVM-wide queue named at construction (the MiniCluster runs in
 * the test's JVM). Use a fresh name per test.
 *
 * <p>Like an at-least-once Kafka sink it keeps everything it is given, replays after a restore
 * included; each record is kept with the attempt number of the writer that received it, so a test
 * can check ordering per attempt ({@link #collected()}).
 */
public final class CollectingSink<T> implements Sink<T> {

    private static final long serialVersionUID = 1L;
    private static final Map<String, Queue<Collected<?>>> RESULTS = new ConcurrentHashMap<>();

    /** One received record and the attempt (0 = first run, +1 per restart) of the writer. */
    public record Collected<T>(int attempt, T value) {}

    private final String name;

    public CollectingSink(String name) {
        this.name = name;
        RESULTS.put(name, new ConcurrentLinkedQueue<>());
    }

    public String name() {
        return name;
    }

    /** How many records the sink of this name has received so far. */
    public static int size(String name) {
        Queue<Collected<?>> q = RESULTS.get(name);
        return q == null ? 0 : q.size();
    }

    /** What the sink of this name has received so far (from inside a running job, too). */
    @SuppressWarnings("unchecked")
    public static <T> List<T> results(String name) {
        Queue<Collected<?>> q = RESULTS.get(name);
        List<T> out = new ArrayList<>();
        if (q != null) {
            for (Collected<?> c : q) {
                out.add((T) c.value());
            }
        }
        return out;
    }

    /** Every record received, in arrival order (one writer: parallelism 1). */
    public List<T> results() {
        return collected().stream().map(Collected::value).toList();
    }

    /** Every record received with its writer's attempt, in arrival order. */
    @SuppressWarnings("unchecked")
    public List<Collected<T>> collected() {
        List<Collected<T>> out = new ArrayList<>();
        Queue<Collected<?>> queue = RESULTS.get(name);
        if (queue == null) {
            throw new IllegalStateException("sink " + name + " was discarded");
        }
        for (Collected<?> c : queue) {
            out.add((Collected<T>) c);
        }
        return out;
    }

    /**
     * Forgets what this sink collected (embeddings are large; the store lives as long as the JVM).
     */
    public void discard() {
        RESULTS.remove(name);
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        Queue<Collected<?>> queue = RESULTS.get(name);
        int attempt = context.getTaskInfo().getAttemptNumber();
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context ctx) {
                queue.add(new Collected<>(attempt, element));
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
