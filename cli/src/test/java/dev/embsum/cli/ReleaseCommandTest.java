package dev.embsum.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.ModelRelease;
import dev.embsum.runtime.TestBundle;
import dev.embsum.serde.SingleObjectCodec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code embsum release}: the demo bundle is verified (checksums + golden check) and announced as a
 * correct ModelRelease; a damaged copy is refused and nothing is published.
 */
@InProcessKafka
class ReleaseCommandTest {

    /** Set by {@link InProcessKafka}. */
    private static TestKafka kafka;

    @Test
    void verifiedBundleIsReleasedAsCurrent() throws Exception {
        kafka.createTopics("r1-releases");
        Path bundle = TestBundle.dir();
        String manifestSha256 = sha256(bundle.resolve("manifest.json"));
        String modelVersion = modelVersion(bundle);
        Instant before = Instant.now().minusMillis(1);
        Cli.Result r = release(bundle, "r1-releases", "--uri", "/opt/embsum/models/demo");
        Instant after = Instant.now();
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.err())
                .contains("release: " + bundle + " verified: model_version " + modelVersion)
                .contains("release: golden check passed:");
        assertThat(r.out())
                .startsWith("released to r1-releases[")
                .contains("bundle_sha256 " + manifestSha256);

        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("r1-releases");
        assertThat(records).hasSize(1);
        assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("current");
        ModelRelease release =
                SingleObjectCodec.forClass(ModelRelease.class).decode(records.get(0).value());
        assertThat(release.getModelVersion()).isEqualTo(modelVersion);
        assertThat(release.getBundleUri()).isEqualTo("/opt/embsum/models/demo");
        assertThat(release.getBundleSha256()).isEqualTo(manifestSha256);
        assertThat(release.getReleasedAt()).isBetween(before, after);
    }

    @Test
    void defaultUriIsTheBundlesAbsolutePath() throws Exception {
        kafka.createTopics("r2-releases");
        Cli.Result r = release(TestBundle.dir(), "r2-releases", "--no-golden");
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.err()).doesNotContain("golden check");
        ModelRelease release =
                SingleObjectCodec.forClass(ModelRelease.class)
                        .decode(kafka.readAll("r2-releases").get(0).value());
        assertThat(release.getBundleUri())
                .isEqualTo(TestBundle.dir().toAbsolutePath().normalize().toString());
    }

    @Test
    void damagedCopyIsRefusedAndNothingIsPublished(@TempDir Path tmp) throws Exception {
        kafka.createTopics("r3-releases");
        Path copy = tmp.resolve("demo");
        copyTree(TestBundle.dir(), copy);
        try (RandomAccessFile weights =
                new RandomAccessFile(copy.resolve("weights.bin").toFile(), "rw")) {
            weights.seek(weights.length() / 2);
            int b = weights.read();
            weights.seek(weights.length() / 2);
            weights.write(b ^ 0xFF); // one flipped byte: same size, different checksum
        }
        Cli.Result r = release(copy, "r3-releases");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err())
                .startsWith("embsum release: not released: bundle " + copy + ": weights.bin: ")
                .contains("sha256");
        assertThat(kafka.endOffsets("r3-releases")).isZero();
    }

    @Test
    void dryRunVerifiesAndPublishesNothing() throws Exception {
        kafka.createTopics("r4-releases");
        Cli.Result r = release(TestBundle.dir(), "r4-releases", "--dry-run", "--no-golden");
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.out())
                .startsWith(
                        "dry run, not published: model_version " + modelVersion(TestBundle.dir()));
        assertThat(kafka.endOffsets("r4-releases")).isZero();
    }

    /** embsum release of {@code bundle} to the topic {@code releases} of the test broker. */
    private static Cli.Result release(Path bundle, String releases, String... options) {
        return Cli.run(
                kafka,
                List.of("release", bundle.toString(), "--topic-model-releases", releases),
                options);
    }

    private static String modelVersion(Path bundle) throws IOException {
        String manifest = Files.readString(bundle.resolve("manifest.json"));
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\"model_version\"\\s*:\\s*\"([^\"]+)\"")
                        .matcher(manifest);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
