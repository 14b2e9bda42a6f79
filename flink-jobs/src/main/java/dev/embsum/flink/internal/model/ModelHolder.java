package dev.embsum.flink.internal.model;

import dev.embsum.runtime.inference.EmbSumRuntime;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The model an inference operator currently runs. Batches read {@link #current()} once at their
 * start, and {@link ModelSwap} swaps on the batch worker thread between two batches, so a model
 * release never mixes two models in one result.
 */
public final class ModelHolder implements AutoCloseable {

    private final AtomicReference<EmbSumRuntime> current;

    public ModelHolder(EmbSumRuntime initial) {
        this.current = new AtomicReference<>(initial);
    }

    public EmbSumRuntime current() {
        EmbSumRuntime runtime = current.get();
        if (runtime == null) {
            throw new IllegalStateException("model holder is closed");
        }
        return runtime;
    }

    /** The current model, or null once closed (for metric gauges, read from another thread). */
    public EmbSumRuntime peek() {
        return current.get();
    }

    /**
     * Installs {@code next} and returns the previous model. The caller closes the previous one once
     * no batch uses it (e.g. by swapping on the batch worker thread).
     */
    public EmbSumRuntime swap(EmbSumRuntime next) {
        return current.getAndSet(next);
    }

    @Override
    public void close() {
        EmbSumRuntime runtime = current.getAndSet(null);
        if (runtime != null) {
            runtime.close();
        }
    }
}
