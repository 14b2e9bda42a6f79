package dev.embsum.flink.internal.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.embsum.avro.ModelRelease;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.DeadLetters;
import dev.embsum.flink.internal.RawRecords;
import dev.embsum.flink.internal.States;
import dev.embsum.runtime.bundle.BundleException;
import dev.embsum.runtime.bundle.ModelBundle;
import dev.embsum.serde.DeadLetterKinds;
import dev.embsum.serde.MalformedRecordException;
import dev.embsum.serde.SingleObjectCodec;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code model-releases} bytes → releases the inference operators may load (docs/design.md 6.6).
 * Runs with parallelism 1 (the topic has one partition; releases are rare and must keep their
 * order). Everything that can be decided once for the whole job is decided here, so a bad release
 * is reported once, as a dead letter, instead of by every inference subtask:
 *
 * <ul>
 *   <li>undecodable bytes (a tombstone included) → dead letter MALFORMED;
 *   <li>a bundle that cannot serve → dead letter BAD_RELEASE, the message naming the release and
 *       the problem: a bundle_uri the job cannot read (scheme other than file, see {@link
 *       BundleUris}), a missing bundle, a manifest.json whose SHA-256 is not bundle_sha256, any
 *       file failing its checksum (ModelBundle's message names the file), a manifest model_version
 *       other than the release's, or a tokenizer or text contract other than the job's configured
 *       bundle's (the item tokens in state and in every history were made with those; a new
 *       tokenizer needs a new deployment with fresh state);
 *   <li>a release of the bundle last announced (or, before any, of the configured bundle) is
 *       dropped and counted: same model_version and manifest, nothing to do (a re-publish, or the
 *       topic re-read from the start);
 *   <li>everything else is emitted as a {@link VerifiedRelease}, to be broadcast, numbered by
 *       {@code seq} (1, 2, ... across restores: the announced release is in state), so the
 *       operators downstream can tell which of two releases is the newer.
 * </ul>
 *
 * <p>The inference operators verify the checksums again when they load the bundle (it may change in
 * between) and add the golden warm-up, which only the serving runtime can run.
 *
 * <p>State: {@code announced-release} (operator ListState, at most one VerifiedRelease).
 */
public final class ReleaseValidation extends ProcessFunction<RawRecord, VerifiedRelease>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ReleaseValidation.class);

    private final String configuredBundle;
    private final String job;
    private transient SingleObjectCodec<ModelRelease> codec;
    private transient ListState<VerifiedRelease> announcedState;
    private transient VerifiedRelease announced;
    private transient Identity configured;
    private transient Counter verified;
    private transient Counter bad;
    private transient Counter malformed;
    private transient Counter repeated;

    /** What a release must share with the configured bundle, and that bundle's identity. */
    private record Identity(
            String modelVersion, String manifestSha256, String tokenizerSha256, JsonNode text) {}

    /**
     * @param configuredBundle {@code bundle.path}: the bundle the job started with, whose tokenizer
     *     and text contract every release must keep
     * @param job the name written to DeadLetter.job
     */
    public ReleaseValidation(String configuredBundle, String job) {
        this.configuredBundle = configuredBundle;
        this.job = job;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        announcedState = States.operatorList(context, "announced-release", VerifiedRelease.class);
        announced = null;
        for (VerifiedRelease r : announcedState.get()) {
            announced = r;
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        announcedState.update(announced == null ? List.of() : List.of(announced));
    }

    @Override
    public void open(OpenContext openContext) {
        codec = SingleObjectCodec.forClass(ModelRelease.class);
        var metrics = getRuntimeContext().getMetricGroup();
        verified = metrics.counter("modelReleasesVerified");
        bad = metrics.counter("modelReleasesBad");
        malformed = metrics.counter("modelReleasesMalformed");
        repeated = metrics.counter("modelReleasesRepeated");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<VerifiedRelease> out)
            throws BundleException {
        if (configured == null) {
            // on the first release, not in open(): most jobs see a release rarely, and the
            // inference operators verify the configured bundle anyway
            try (ModelBundle bundle = ModelBundle.open(Path.of(configuredBundle))) {
                configured = identity(bundle);
            }
        }
        ModelRelease release;
        try {
            release = codec.decode(RawRecords.value(raw));
        } catch (MalformedRecordException e) {
            malformed.inc();
            LOG.error(
                    "Model release at {}/{}@{} is malformed, ignored: {}",
                    raw.getTopic(),
                    raw.getPartition(),
                    raw.getOffset(),
                    e.getMessage());
            DeadLetters.send(ctx, raw, DeadLetterKinds.MALFORMED, e.getMessage(), job);
            return;
        }
        VerifiedRelease candidate;
        try {
            candidate = verify(release);
        } catch (BadReleaseException e) {
            bad.inc();
            LOG.error("Model release refused, the job keeps its model: {}", e.getMessage());
            DeadLetters.send(ctx, raw, DeadLetterKinds.BAD_RELEASE, e.getMessage(), job);
            return;
        }
        if (announced == null
                ? isConfigured(candidate)
                : Releases.sameBundle(announced, candidate)) {
            repeated.inc();
            LOG.info(
                    "Model release {} repeats the release in effect; nothing to do",
                    Releases.describe(candidate));
            return;
        }
        // seq orders releases across the operators that receive the broadcast (see Releases.covers)
        candidate.setSeq(announced == null ? 1 : announced.getSeq() + 1);
        verified.inc();
        announced = candidate;
        LOG.info(
                "Model release {} verified; broadcasting it to the inference operators",
                Releases.describe(candidate));
        out.collect(candidate);
    }

    private boolean isConfigured(VerifiedRelease release) {
        return release.getModelVersion().equals(configured.modelVersion())
                && release.getBundleSha256().equals(configured.manifestSha256());
    }

    /** The checks that decide the release for the whole job; see the class comment. */
    VerifiedRelease verify(ModelRelease release) throws BadReleaseException {
        String what =
                "release "
                        + release.getModelVersion()
                        + " (bundle_uri "
                        + release.getBundleUri()
                        + ")";
        if (release.getModelVersion().isBlank()) {
            throw new BadReleaseException(what + ": model_version is blank");
        }
        Path path;
        try {
            path = BundleUris.resolve(release.getBundleUri());
        } catch (IllegalArgumentException e) {
            throw new BadReleaseException(what + ": " + e.getMessage());
        }
        Identity identity;
        try (ModelBundle bundle = ModelBundle.open(path, release.getBundleSha256())) {
            identity = identity(bundle);
        } catch (BundleException e) {
            throw new BadReleaseException(what + ": " + e.getMessage());
        }
        if (!identity.modelVersion().equals(release.getModelVersion())) {
            throw new BadReleaseException(
                    what
                            + ": the bundle's manifest.json says model_version \""
                            + identity.modelVersion()
                            + "\"; a release must name the bundle's own version");
        }
        if (!identity.tokenizerSha256().equals(configured.tokenizerSha256())) {
            throw new BadReleaseException(
                    what
                            + ": its tokenizer (sha256 "
                            + identity.tokenizerSha256()
                            + ") is not the job's ("
                            + configured.tokenizerSha256()
                            + ", bundle "
                            + configuredBundle
                            + "); the item tokens in state were made with the job's, so a new tokenizer needs a new"
                            + " deployment with fresh state");
        }
        if (!identity.text().equals(configured.text())) {
            throw new BadReleaseException(
                    what
                            + ": its text contract (manifest \"text\": templates, token"
                            + " limits, H, p, l) differs from the job's bundle "
                            + configuredBundle
                            + "; item tokens and histories in state follow the job's, so a new text contract needs a"
                            + " new deployment with fresh state");
        }
        return VerifiedRelease.newBuilder()
                .setModelVersion(release.getModelVersion())
                .setBundleUri(release.getBundleUri())
                .setBundlePath(path.toString())
                .setBundleSha256(identity.manifestSha256())
                .setReleasedAtMs(release.getReleasedAt().toEpochMilli())
                .build();
    }

    private static Identity identity(ModelBundle bundle) {
        return new Identity(
                bundle.modelVersion(),
                bundle.manifestSha256(),
                bundle.manifest().tokenizerSha256(),
                bundle.manifest().text());
    }

    /** The release must not serve; the message says which release and why. */
    static final class BadReleaseException extends Exception {
        private static final long serialVersionUID = 1L;

        BadReleaseException(String message) {
            super(message);
        }
    }
}
