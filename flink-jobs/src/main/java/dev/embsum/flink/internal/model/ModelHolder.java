package dev.embsum.flink.internal.model;

import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.runtime.inference.EmbSumRuntime;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The model an inference operator currently runs, and the release it came from. Batches read {@link
 * #current()} once at their start, and {@link ModelSwap} swaps on the batch worker thread between
 * two batches, so a model release never mixes two models in one result.
 */
public final class ModelHolder implements AutoCloseable {

    private final AtomicReference<EmbSumRuntime> current;
    private volatile VerifiedRelease release;

    /**
     * @param release the release {@code initial} was loaded from, or null for the configured bundle
     */
    public ModelHolder(EmbSumRuntime initial, VerifiedRelease release) {
        this.current = new AtomicReference<>(initial);
        this.release = release;
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
     * The release the current model was loaded from, or null for the configured bundle; may be read
     * from any thread, also once closed.
     */
    public VerifiedRelease release() {
        return release;
    }

    /**
     * Installs {@code next}, loaded from {@code nextRelease}, and returns the previous model. The
     * caller closes the previous one once no batch uses it (e.g. by swapping on the batch worker
     * thread).
     */
    public EmbSumRuntime swap(EmbSumRuntime next, VerifiedRelease nextRelease) {
        EmbSumRuntime previous = current.getAndSet(next);
        release = nextRelease;
        return previous;
    }

    @Override
    public void close() {
        EmbSumRuntime runtime = current.getAndSet(null);
        if (runtime != null) {
            runtime.close();
        }
    }
}
