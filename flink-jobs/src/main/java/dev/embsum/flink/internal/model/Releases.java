package dev.embsum.flink.internal.model;

import dev.embsum.avro.state.ReleaseRef;
import dev.embsum.avro.state.VerifiedRelease;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/** The model-release broadcast: its state descriptor and what makes two releases the same. */
public final class Releases {

    /** Key of the one entry of {@link #broadcastState()}. */
    public static final String CURRENT = "current";

    private Releases() {}

    /**
     * Broadcast state of the operators that take the release broadcast: the newest verified release
     * under {@link #CURRENT} (the release the job was told to serve; whether each inference subtask
     * accepted it is in that subtask's own state and metrics). A new descriptor per call, to keep
     * in a function's field: a descriptor holds a serializer, and serializers are not shared
     * between threads.
     */
    public static MapStateDescriptor<String, VerifiedRelease> broadcastState() {
        return new MapStateDescriptor<>(
                "model-release", Types.STRING, TypeInformation.of(VerifiedRelease.class));
    }

    /**
     * Same model_version and manifest.json: the same bundle bytes, wherever they are. A repeated
     * release (re-published, or replayed from the topic) changes nothing.
     */
    public static boolean sameBundle(VerifiedRelease a, VerifiedRelease b) {
        return a != null
                && b != null
                && a.getModelVersion().equals(b.getModelVersion())
                && a.getBundleSha256().equals(b.getBundleSha256());
    }

    /** The reference a refresh request carries to the release it was made after (null for null). */
    public static ReleaseRef ref(VerifiedRelease release) {
        return release == null
                ? null
                : ReleaseRef.newBuilder()
                        .setModelVersion(release.getModelVersion())
                        .setSeq(release.getSeq())
                        .build();
    }

    /**
     * Whether an operator whose newest release is {@code current} has passed the release {@code
     * after} (null: none required). Releases are ordered by their seq, which validate-releases
     * assigns, so a later release covers an earlier one.
     */
    public static boolean covers(VerifiedRelease current, ReleaseRef after) {
        return after == null || current != null && current.getSeq() >= after.getSeq();
    }

    /** For logs: {@code model_version (bundle_uri, manifest sha256 abcdef012345…)}. */
    public static String describe(VerifiedRelease release) {
        return release.getModelVersion()
                + " ("
                + release.getBundleUri()
                + ", manifest sha256 "
                + release.getBundleSha256()
                        .substring(0, Math.min(12, release.getBundleSha256().length()))
                + "…)";
    }
}
