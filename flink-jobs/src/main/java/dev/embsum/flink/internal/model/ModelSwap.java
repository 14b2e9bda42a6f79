package dev.embsum.flink.internal.model;

import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.runtime.bundle.BundleException;
import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.inference.GoldenMismatchException;
import java.nio.file.Path;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a model release to one inference subtask (docs/design.md 6.6): load the released bundle
 * (checksums verified again, {@code manifest.json} = bundle_sha256), run its golden warm-up, then
 * swap it into the {@link ModelHolder} and close the old model. Runs on the subtask's {@link
 * dev.embsum.flink.internal.batching.MicroBatcher} worker between two batches, so no batch ever
 * sees two models and nothing else uses the old model when it is closed.
 *
 * <p>A release that fails to load or to reproduce its golden vectors is refused: logged at ERROR
 * with the reason (which names the file or golden case), counted in {@code modelReleasesRefused},
 * and the old model keeps serving. A release of the model already serving (same model_version and
 * manifest) changes nothing; a different bundle under the serving model_version is refused (a
 * model_version names one bundle, and consumers tell models apart by it).
 *
 * <p>Not thread-safe: {@link #apply} is called from the worker thread only; {@link #serving()} and
 * {@link #servingVersion()} may be read from any thread.
 */
public final class ModelSwap {

    /** What {@link #apply} did. */
    public enum Outcome {
        SWAPPED,
        UNCHANGED,
        REFUSED
    }

    private static final Logger LOG = LoggerFactory.getLogger(ModelSwap.class);

    private final ModelOpener opener;
    private final ModelHolder holder;
    private final String operator;
    private final Counter accepted;
    private final Counter refused;
    private volatile String servingVersion;

    /**
     * @param operator names the subtask in log lines
     * @param metrics where the counters {@code modelReleasesAccepted} and {@code
     *     modelReleasesRefused} go
     */
    public ModelSwap(ModelOpener opener, ModelHolder holder, String operator, MetricGroup metrics) {
        this.opener = opener;
        this.holder = holder;
        this.operator = operator;
        this.accepted = metrics.counter("modelReleasesAccepted");
        this.refused = metrics.counter("modelReleasesRefused");
        this.servingVersion = holder.current().modelVersion();
    }

    /** model_version of the model serving now (the last one, once the operator closed). */
    public String servingVersion() {
        return servingVersion;
    }

    /** The release being served, or null while the configured bundle serves. */
    public VerifiedRelease serving() {
        return holder.release();
    }

    public Outcome apply(VerifiedRelease release) {
        EmbSumRuntime current = holder.current();
        String what = Releases.describe(release);
        if (current.modelVersion().equals(release.getModelVersion())) {
            if (current.bundle().manifestSha256().equals(release.getBundleSha256())) {
                LOG.info("{}: model release {} is already serving; nothing to do", operator, what);
                return Outcome.UNCHANGED;
            }
            return refuse(
                    release,
                    "model_version "
                            + release.getModelVersion()
                            + " is serving from another bundle"
                            + " (manifest sha256 "
                            + current.bundle().manifestSha256()
                            + "); a model_version names one"
                            + " bundle, so release the new bundle under a new model_version",
                    null);
        }
        long start = System.nanoTime();
        EmbSumRuntime next;
        try {
            next = opener.openRuntime(Path.of(release.getBundlePath()), release.getBundleSha256());
        } catch (Exception e) {
            return refuse(release, e.getMessage(), e);
        }
        try {
            if (!next.modelVersion().equals(release.getModelVersion())) {
                throw new IllegalStateException(
                        "the bundle at %s is model_version %s"
                                .formatted(release.getBundlePath(), next.modelVersion()));
            }
            opener.warmUp(next);
        } catch (Exception e) {
            next.close();
            return refuse(release, e.getMessage(), e);
        }
        EmbSumRuntime previous = holder.swap(next, release);
        servingVersion = next.modelVersion();
        previous.close();
        accepted.inc();
        LOG.info(
                "{}: now serving model {} (was {}): loaded, verified and warmed up in {} ms",
                operator,
                what,
                previous.modelVersion(),
                (System.nanoTime() - start) / 1_000_000);
        return Outcome.SWAPPED;
    }

    private Outcome refuse(VerifiedRelease release, String reason, Exception cause) {
        refused.inc();
        // a damaged bundle or a golden mismatch is fully described by its message; anything
        // else gets its stack trace
        boolean expected =
                cause == null
                        || cause instanceof BundleException
                        || cause instanceof GoldenMismatchException;
        LOG.error(
                "{}: model release {} refused, keeping model {}: {}",
                operator,
                Releases.describe(release),
                holder.current().modelVersion(),
                reason,
                expected ? null : cause);
        return Outcome.REFUSED;
    }
}
