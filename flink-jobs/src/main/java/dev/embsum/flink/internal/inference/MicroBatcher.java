package dev.embsum.flink.internal.inference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Groups requests submitted from any thread into batches for one worker thread: a batch closes
 * when it holds {@code maxBatch} requests or {@code maxWait} after its first request arrived,
 * whichever comes first. Model calls are far cheaper per request in batches (one encoder run for
 * many sessions, decoding steps shared by many users), and one worker keeps the model's threads
 * from competing with each other.
 *
 * <p>Batches run one at a time, in order, so whatever the batch function reads at the start of a
 * batch (e.g. the current model of a {@link ModelHolder}) holds for the whole batch.
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

    private record Pending<I, O>(I request, CompletableFuture<O> result) {
    }

    private static final long IDLE_POLL_MS = 100;

    private final int maxBatch;
    private final long maxWaitNanos;
    private final BatchFunction<I, O> function;
    private final BlockingQueue<Pending<I, O>> queue = new LinkedBlockingQueue<>();
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

    /** Stops the worker after the batch it is running; requests still queued are cancelled. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        worker.join();
        List<Pending<I, O>> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(p -> p.result.completeExceptionally(new CancellationException("micro-batcher closed")));
    }

    private void run() {
        List<Pending<I, O>> batch = new ArrayList<>(maxBatch);
        while (!closed) {
            try {
                Pending<I, O> first = queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < maxBatch) {
                    long left = deadline - System.nanoTime();
                    Pending<I, O> next = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                batch.forEach(p -> p.result.completeExceptionally(e));
                return;
            }
            execute(batch);
            batch.clear();
        }
    }

    private void execute(List<Pending<I, O>> batch) {
        List<I> requests = new ArrayList<>(batch.size());
        batch.forEach(p -> requests.add(p.request));
        try {
            List<O> results = function.apply(requests);
            if (results.size() != batch.size()) {
                throw new IllegalStateException("batch function returned " + results.size()
                        + " results for " + batch.size() + " requests");
            }
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result.complete(results.get(i));
            }
        } catch (Throwable t) {
            batch.forEach(p -> p.result.completeExceptionally(t));
        }
    }
}
