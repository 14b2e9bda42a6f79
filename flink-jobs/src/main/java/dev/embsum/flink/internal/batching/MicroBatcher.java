package dev.embsum.flink.internal.batching;

import dev.embsum.flink.internal.model.ModelHolder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Groups requests submitted from any thread into batches for one worker thread: a batch closes when
 * it holds {@code maxBatch} requests or {@code maxWait} after its first request arrived, whichever
 * comes first. Model calls are far cheaper per request in batches (one encoder run for many
 * sessions, decoding steps shared by many users), and one worker keeps the model's threads from
 * competing with each other.
 *
 * <p>Batches run one at a time, in order, so whatever the batch function reads at the start of a
 * batch (e.g. the current model of a {@link ModelHolder}) holds for the whole batch. {@link
 * #runBetweenBatches} queues an action (a model swap) in the same order as the requests: it runs on
 * the worker after every request submitted before it and before any submitted after it, never
 * inside a batch.
 *
 * @param <I> request
 * @param <O> result, one per request
 */
public final class MicroBatcher<I, O> implements AutoCloseable {

    /** Computes one result per request, in request order. */
    @FunctionalInterface
    public interface BatchFunction<I, O> {
        List<O> apply(List<I> batch) throws Exception;
    }

    /** Work for the worker thread between two batches. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    /** What the queue holds: a request, or an action that closes the batch being filled. */
    private sealed interface Entry permits Pending, Barrier {
        void fail(Throwable t);
    }

    private record Pending<I, O>(I request, CompletableFuture<O> result) implements Entry {
        @Override
        public void fail(Throwable t) {
            result.completeExceptionally(t);
        }
    }

    private record Barrier(Action action, CompletableFuture<Void> done) implements Entry {
        @Override
        public void fail(Throwable t) {
            done.completeExceptionally(t);
        }
    }

    private static final long IDLE_POLL_MS = 100;

    private final int maxBatch;
    private final long maxWaitNanos;
    private final BatchFunction<I, O> function;
    private final BlockingQueue<Entry> queue = new LinkedBlockingQueue<>();
    private final Thread worker;
    private volatile boolean closed;

    public MicroBatcher(String name, int maxBatch, Duration maxWait, BatchFunction<I, O> function) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.function = function;
        this.worker = new Thread(this::run, name);
        worker.setDaemon(true);
        worker.start();
    }

    /** Queues a request; the future completes when its batch has run (or fails with it). */
    public CompletableFuture<O> submit(I request) {
        CompletableFuture<O> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("micro-batcher is closed"));
            return result;
        }
        queue.add(new Pending<>(request, result));
        return result;
    }

    /**
     * Queues {@code action} behind every request submitted so far: the batch being filled closes
     * and runs first, then the action, then later requests. The future completes when the action
     * has run (or fails with its exception).
     */
    public CompletableFuture<Void> runBetweenBatches(Action action) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new IllegalStateException("micro-batcher is closed"));
            return done;
        }
        queue.add(new Barrier(action, done));
        return done;
    }

    /** Stops the worker after the batch it is running; requests still queued are cancelled. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        worker.join();
        List<Entry> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(e -> e.fail(new CancellationException("micro-batcher closed")));
    }

    @SuppressWarnings("unchecked")
    private void run() {
        List<Pending<I, O>> batch = new ArrayList<>(maxBatch);
        while (!closed) {
            Barrier barrier = null;
            try {
                Entry first = queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                if (first instanceof Barrier b) {
                    barrier = b;
                } else {
                    batch.add((Pending<I, O>) first);
                    long deadline = System.nanoTime() + maxWaitNanos;
                    while (batch.size() < maxBatch) {
                        long left = deadline - System.nanoTime();
                        Entry next =
                                left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
                        if (next == null) {
                            break;
                        }
                        if (next instanceof Barrier b) {
                            barrier = b; // closes this batch: it runs first, then the action
                            break;
                        }
                        batch.add((Pending<I, O>) next);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                batch.forEach(p -> p.fail(e));
                return;
            }
            if (!batch.isEmpty()) {
                execute(batch);
                batch.clear();
            }
            if (barrier != null) {
                runAction(barrier);
            }
        }
    }

    private static void runAction(Barrier barrier) {
        try {
            barrier.action.run();
            barrier.done.complete(null);
        } catch (Throwable t) {
            barrier.done.completeExceptionally(t);
        }
    }

    private void execute(List<Pending<I, O>> batch) {
        List<I> requests = new ArrayList<>(batch.size());
        batch.forEach(p -> requests.add(p.request));
        try {
            List<O> results = function.apply(requests);
            if (results.size() != batch.size()) {
                throw new IllegalStateException(
                        "batch function returned %d results for %d requests"
                                .formatted(results.size(), batch.size()));
            }
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result.complete(results.get(i));
            }
        } catch (Throwable t) {
            batch.forEach(p -> p.result.completeExceptionally(t));
        }
    }
}
