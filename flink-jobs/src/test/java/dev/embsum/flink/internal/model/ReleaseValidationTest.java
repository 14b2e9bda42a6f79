package dev.embsum.flink.internal.model;

import static dev.embsum.flink.internal.Harnesses.deadLetters;
import static dev.embsum.flink.internal.TestReleases.raw;
import static dev.embsum.flink.internal.TestReleases.release;
import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.ModelRelease;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.Harnesses;
import dev.embsum.flink.internal.RawRecords;
import dev.embsum.flink.internal.TestReleases;
import dev.embsum.runtime.TestBundle;
import dev.embsum.serde.DeadLetterKinds;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseValidationTest {

    @TempDir static Path tmp;

    private static OneInputStreamOperatorTestHarness<RawRecord, VerifiedRelease> harness(
            OperatorSubtaskState restore) throws Exception {
        return Harnesses.open(
                new OneInputStreamOperatorTestHarness<>(
                        new ProcessOperator<>(
                                new ReleaseValidation(
                                        TestBundle.dir().toString(), "test/releases"))),
                restore);
    }

    @Test
    void aReleaseOfAValidBundleIsEmittedWithItsPathAndChecksum() throws Exception {
        try (var h = harness(null)) {
            h.processElement(
                    raw(TestReleases.releaseByUri("demo-v2", TestReleases.demoV2(), 7)), 0);
            assertThat(h.extractOutputValues())
                    .singleElement()
                    .satisfies(
                            r -> {
                                assertThat(r.getModelVersion()).isEqualTo("demo-v2");
                                assertThat(r.getBundleUri()).startsWith("file:/");
                                assertThat(Path.of(r.getBundlePath()))
                                        .isEqualTo(TestReleases.demoV2());
                                assertThat(r.getBundleSha256())
                                        .isEqualTo(
                                                TestReleases.manifestSha256(TestReleases.demoV2()));
                                assertThat(r.getReleasedAtMs()).isEqualTo(7);
                                assertThat(r.getSeq())
                                        .isEqualTo(1); // the first release this job broadcasts
                            });
            assertThat(deadLetters(h)).isEmpty();
        }
    }

    @Test
    void aReleaseOfTheBundleInEffectIsDroppedAlsoAfterARestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(null)) {
            h.processElement(
                    raw(release("demo-mind-small-1", TestBundle.dir(), 1)),
                    0); // the configured bundle
            h.processElement(raw(release("demo-v2", TestReleases.demoV2(), 2)), 0);
            h.processElement(raw(release("demo-v2", TestReleases.demoV2(), 3)), 0); // re-published
            assertThat(h.extractOutputValues())
                    .extracting(VerifiedRelease::getReleasedAtMs)
                    .containsExactly(2L);
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(snapshot)) {
            h.processElement(raw(release("demo-v2", TestReleases.demoV2(), 4)), 0);
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement(
                    raw(release("demo-mind-small-1", TestBundle.dir(), 5)),
                    0); // a roll-back is a release
            assertThat(h.extractOutputValues())
                    .extracting(VerifiedRelease::getModelVersion)
                    .containsExactly("demo-mind-small-1");
            // numbered on from the restored release: seq orders releases across the job
            assertThat(h.extractOutputValues())
                    .extracting(VerifiedRelease::getSeq)
                    .containsExactly(2L);
        }
    }

    @Test
    void badReleasesAreDeadLetteredWithTheReasonAndTheirBytes() throws Exception {
        Path damaged = TestReleases.reversioned(tmp, "damaged", "demo-damaged");
        TestReleases.flipOneByte(damaged, "session_encoder.onnx");
        Path otherTokenizer = TestReleases.reversioned(tmp, "tokenizer", "demo-tokenizer");
        TestReleases.changeTokenizer(otherTokenizer);
        Path otherText = TestReleases.reversioned(tmp, "text", "demo-text");
        TestReleases.changeTextContract(otherText);
        List<ModelRelease> bad =
                List.of(
                        release("demo-v2", TestReleases.demoV2().toString(), "0".repeat(64), 1),
                        release("demo-damaged", damaged, 2),
                        release("demo-v3", tmp.resolve("missing").toString(), "0".repeat(64), 3),
                        release("demo-v3", TestReleases.demoV2(), 4),
                        release("demo-v2", "s3://models/demo-v2.tar.gz", "0".repeat(64), 5),
                        release("demo-tokenizer", otherTokenizer, 6),
                        release("demo-text", otherText, 7));
        try (var h = harness(null)) {
            for (ModelRelease r : bad) {
                h.processElement(raw(r), 0);
            }
            h.processElement(
                    RawRecords.unpositioned("model-releases", "current", new byte[] {1, 2}), 0);

            assertThat(h.extractOutputValues()).isEmpty();
            List<DeadLetter> dead = deadLetters(h);
            assertThat(dead)
                    .extracting(DeadLetter::getErrorKind)
                    .containsExactly(
                            DeadLetterKinds.BAD_RELEASE,
                            DeadLetterKinds.BAD_RELEASE,
                            DeadLetterKinds.BAD_RELEASE,
                            DeadLetterKinds.BAD_RELEASE,
                            DeadLetterKinds.BAD_RELEASE,
                            DeadLetterKinds.BAD_RELEASE,
                            DeadLetterKinds.BAD_RELEASE,
                            DeadLetterKinds.MALFORMED);
            assertThat(dead.get(0).getErrorMessage())
                    .contains(
                            "release demo-v2",
                            "manifest.json: sha256 is",
                            "expected " + "0".repeat(64));
            assertThat(dead.get(1).getErrorMessage())
                    .contains("release demo-damaged", "session_encoder.onnx");
            assertThat(dead.get(2).getErrorMessage()).contains("missing", "does not exist");
            assertThat(dead.get(3).getErrorMessage())
                    .contains("release demo-v3", "model_version \"demo-v2\"");
            assertThat(dead.get(4).getErrorMessage()).contains("scheme \"s3\" is not supported");
            assertThat(dead.get(5).getErrorMessage()).contains("tokenizer", "fresh state");
            assertThat(dead.get(6).getErrorMessage()).contains("text contract", "fresh state");
            assertThat(dead.get(0).getSourceTopic()).isEqualTo("model-releases");
            assertThat(dead.get(0).getValue()).isEqualTo(raw(bad.get(0)).getValue());
        }
    }
}
