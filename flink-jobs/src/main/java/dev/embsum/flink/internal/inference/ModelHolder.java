package dev.embsum.flink.internal.inference;

import dev.embsum.runtime.inference.EmbSumRuntime;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The model an inference operator currently runs. Batches read {@link #current()} once at their
 * start, so a {@link #swap} (a model release, delivered later by a broadcast stream) takes effect
 * at the next batch boundary and never mixes two models in one result.
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

    /**
     * Installs {@code next} and returns the previous model. The caller closes the previous one
     * once no batch uses it (e.g. by swapping on the batch worker thread).
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
