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
 * A test sink that collects into a JVM-wide queue named at construction (the MiniCluster runs
 * in the test's JVM). Use a fresh name per test.
 */
public final class CollectingSink<T> implements Sink<T> {

    private static final long serialVersionUID = 1L;
    private static final Map<String, Queue<Object>> RESULTS = new ConcurrentHashMap<>();

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
        Queue<Object> q = RESULTS.get(name);
        return q == null ? 0 : q.size();
    }

    /** What the sink of this name has received so far (from inside a running job, too). */
    @SuppressWarnings("unchecked")
    public static <T> List<T> results(String name) {
        Queue<Object> q = RESULTS.get(name);
        return q == null ? List.of() : new ArrayList<>((Queue<T>) (Queue<?>) q);
    }

    @SuppressWarnings("unchecked")
    public List<T> results() {
        return new ArrayList<>((Queue<T>) (Queue<?>) RESULTS.get(name));
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        Queue<Object> queue = RESULTS.get(name);
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context ctx) {
                queue.add(element);
            }

            @Override
            public void flush(boolean endOfInput) {
            }

            @Override
            public void close() {
            }
        };
    }
}
