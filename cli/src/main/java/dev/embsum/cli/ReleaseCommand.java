package dev.embsum.cli;

import dev.embsum.avro.ModelRelease;
import dev.embsum.cli.internal.CliFailure;
import dev.embsum.cli.internal.KafkaOptions;
import dev.embsum.runtime.bundle.BundleException;
import dev.embsum.runtime.bundle.ModelBundle;
import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.inference.GoldenCheck;
import dev.embsum.runtime.inference.GoldenMismatchException;
import dev.embsum.runtime.inference.InferenceOptions;
import dev.embsum.serde.SingleObjectCodec;
import dev.embsum.serde.Topic;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Announces a model bundle to the running job (docs/design.md 6.6): verifies it as the job will,
 * then publishes a ModelRelease under the key "current". A bundle that fails is not announced.
 */
@Command(
        name = "release",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Verify a model bundle, then publish it as the current ModelRelease.",
            "Verification: every checksum of manifest.json (ModelBundle), then the bundle's golden cases run"
                    + " through ONNX Runtime (GoldenCheck; --no-golden skips it). The record: model_version from"
                    + " the manifest, bundle_uri, bundle_sha256 = SHA-256 of manifest.json (which lists the"
                    + " SHA-256 of every other file), released_at = now; key \"current\" on model-releases.",
            "The job loads bundle_uri itself and refuses it unless its manifest.json has that SHA-256: the"
                    + " path must be readable by every TaskManager (--uri when it differs from BUNDLE here)."
        },
        footer = {
            "",
            "Examples:",
            "  embsum release models/demo --uri /opt/embsum/models/demo",
            "  embsum release /srv/models/mind-v3.tar.gz --uri s3://models/mind-v3.tar.gz",
            "  embsum release models/candidate --dry-run"
        })
final class ReleaseCommand implements Callable<Integer> {

    /**
     * The key of every ModelRelease (docs/design.md 2): the compacted topic keeps the latest one.
     */
    static final String KEY = "current";

    @Spec CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "BUNDLE",
            description = "a bundle directory or .tar.gz to verify")
    Path bundle;

    @Option(
            names = "--uri",
            paramLabel = "URI",
            description =
                    "where the job loads the bundle from (default: BUNDLE's absolute path); the same bytes,"
                            + " e.g. a copy on shared storage")
    String uri;

    @Option(
            names = "--no-golden",
            description = "skip the golden check (checksums are always verified)")
    boolean noGolden;

    @Option(names = "--dry-run", description = "verify only, publish nothing")
    boolean dryRun;

    @Option(
            names = "--topic-model-releases",
            paramLabel = "NAME",
            description = "default: ${DEFAULT-VALUE}")
    String topicModelReleases = Topic.MODEL_RELEASES.defaultName();

    @Mixin KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(bundle)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "BUNDLE "
                            + bundle
                            + ": no such file or directory (a bundle directory or .tar.gz, e.g. models/demo)");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!dryRun) {
            kafka.requireTopics(Map.of(topicModelReleases, "--topic-model-releases"));
        }
        ModelRelease release;
        try (ModelBundle opened = ModelBundle.open(bundle)) {
            err.printf(
                    Locale.ROOT,
                    "release: %s verified: model_version %s, %d files, %d MiB, checksums in %d ms%n",
                    bundle,
                    opened.modelVersion(),
                    opened.verifyReport().files(),
                    opened.verifyReport().bytes() >> 20,
                    opened.verifyReport().duration().toMillis());
            if (opened.manifest().untrained()) {
                err.println(
                        "release: WARNING: "
                                + opened.modelVersion()
                                + " is an untrained bundle (random weights),"
                                + " for tests and demos only");
            }
            if (!noGolden) {
                goldenCheck(opened, err);
            }
            release =
                    ModelRelease.newBuilder()
                            .setModelVersion(opened.modelVersion())
                            .setBundleUri(
                                    uri != null
                                            ? uri
                                            : bundle.toAbsolutePath().normalize().toString())
                            .setBundleSha256(opened.manifestSha256())
                            .setReleasedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                            .build();
        } catch (BundleException e) {
            throw new CliFailure("not released: " + e.getMessage(), e);
        }
        if (dryRun) {
            out.printf("dry run, not published: %s%n", describe(release));
            out.flush();
            return 0;
        }
        try (KafkaProducer<String, byte[]> producer = kafka.producer()) {
            RecordMetadata meta =
                    producer.send(
                                    new ProducerRecord<>(
                                            topicModelReleases,
                                            KEY,
                                            SingleObjectCodec.forClass(ModelRelease.class)
                                                    .encode(release)))
                            .get(30, TimeUnit.SECONDS);
            out.printf(
                    "released to %s[%d]@%d: %s%n",
                    meta.topic(), meta.partition(), meta.offset(), describe(release));
        } catch (ExecutionException e) {
            throw new CliFailure(
                    "verified, but publishing to '"
                            + topicModelReleases
                            + "' failed: "
                            + e.getCause(),
                    e);
        } catch (java.util.concurrent.TimeoutException
                | org.apache.kafka.common.errors.TimeoutException e) {
            throw kafka.unreachable(e);
        }
        out.flush();
        return 0;
    }

    /**
     * Runs the bundle's golden cases: the graphs reproduce PyTorch's outputs with this ONNX
     * Runtime.
     */
    private static void goldenCheck(ModelBundle opened, PrintWriter err) throws Exception {
        try (EmbSumRuntime runtime = EmbSumRuntime.load(opened, InferenceOptions.defaults())) {
            GoldenCheck.Report r = new GoldenCheck(runtime).run();
            err.printf(
                    Locale.ROOT,
                    "release: golden check passed: %d users, %d items, largest differences upe %.2g,"
                            + " cpe %.2g, cpe_key %.2g (%d ms, %s)%n",
                    r.users(),
                    r.items(),
                    r.upe(),
                    r.cpe(),
                    r.cpeKey(),
                    r.millis(),
                    runtime.provider());
        } catch (GoldenMismatchException e) {
            throw new CliFailure(
                    "not released: the bundle's golden check failed: "
                            + e.getMessage()
                            + " (the graphs do not reproduce the exporter's outputs with this ONNX Runtime)",
                    e);
        }
        err.flush();
    }

    private static String describe(ModelRelease r) {
        return "model_version "
                + r.getModelVersion()
                + ", bundle_uri "
                + r.getBundleUri()
                + ", bundle_sha256 "
                + r.getBundleSha256()
                + ", released_at "
                + r.getReleasedAt();
    }
}
