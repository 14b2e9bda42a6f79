package dev.embsum.flink.internal.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.InterceptedMetrics;
import dev.embsum.flink.internal.TestBundleOpener;
import dev.embsum.flink.internal.TestReleases;
import dev.embsum.flink.internal.batching.MicroBatcher;
import dev.embsum.runtime.TestBundle;
import dev.embsum.runtime.inference.EmbSumRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.MemorySize;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Swaps on real bundles: the test bundle, a re-versioned copy and damaged copies. */
class ModelSwapTest {

    /**
     * A smaller summary cap than the bundle's, as in the job tests: the warm-up must still pass.
     */
    private static final ModelOpener OPENER = TestBundleOpener.of(8, MemorySize.ofMebiBytes(1));

    @TempDir static Path tmp;

    private ModelHolder holder;
    private InterceptedMetrics metrics;
    private ModelSwap swap;

    @BeforeEach
    void serveTheTestBundle() throws Exception {
        holder = new ModelHolder(OPENER.openRuntime(), null);
        metrics = new InterceptedMetrics();
        swap = new ModelSwap(OPENER, holder, "test", metrics.operator);
    }

    @AfterEach
    void close() {
        holder.close();
    }

    @Test
    void aVerifiedReleaseIsSwappedInAndTheOldModelClosed() throws Exception {
        EmbSumRuntime old = holder.current();
        VerifiedRelease release = TestReleases.verified("demo-v2", TestReleases.demoV2(), 1);

        assertThat(swap.apply(release)).isEqualTo(ModelSwap.Outcome.SWAPPED);

        assertThat(holder.current().modelVersion()).isEqualTo("demo-v2");
        assertThat(holder.current().summaryCap())
                .isEqualTo(8); // the job's settings, not the warm-up's
        assertThat(swap.serving()).isEqualTo(release);
        assertThat(accepted()).isEqualTo(1);
        assertThat(refused()).isZero();
        assertThatThrownBy(() -> old.embedContents(List.of(new int[] {32099, 1})))
                .isInstanceOf(Exception.class);
        assertThat(holder.current().embedContents(List.of(new int[] {32099, 1}))).hasSize(1);

        assertThat(swap.apply(release)).isEqualTo(ModelSwap.Outcome.UNCHANGED); // already serving
        assertThat(accepted()).isEqualTo(1);
    }

    @Test
    void aBundleThatFailsItsGoldenWarmUpIsRefusedAndTheOldModelKeepsServing() throws Exception {
        Path bad = TestReleases.reversioned(tmp, "golden", "demo-golden");
        TestReleases.breakGoldenKeepChecksums(bad);
        EmbSumRuntime old = holder.current();

        assertThat(swap.apply(TestReleases.verified("demo-golden", bad, 1)))
                .isEqualTo(ModelSwap.Outcome.REFUSED);

        assertThat(holder.current()).isSameAs(old);
        assertThat(swap.serving()).isNull();
        assertThat(refused()).isEqualTo(1);
        assertThat(old.embedContents(List.of(new int[] {32099, 1}))).hasSize(1); // still open
    }

    @Test
    void aBundleDamagedAfterValidationIsRefused() throws Exception {
        Path damaged = TestReleases.reversioned(tmp, "damaged", "demo-damaged");
        VerifiedRelease release = TestReleases.verified("demo-damaged", damaged, 1);
        TestReleases.flipOneByte(damaged, "weights.bin");

        assertThat(swap.apply(release)).isEqualTo(ModelSwap.Outcome.REFUSED);
        assertThat(holder.current().modelVersion()).isEqualTo("demo-mind-small-1");
        assertThat(refused()).isEqualTo(1);
    }

    @Test
    void anotherBundleUnderTheServingModelVersionIsRefused() throws Exception {
        Path impostor = TestReleases.reversioned(tmp, "impostor", "demo-mind-small-1");
        TestReleases.breakGoldenKeepChecksums(impostor); // any change: another manifest

        assertThat(swap.apply(TestReleases.verified("demo-mind-small-1", impostor, 1)))
                .isEqualTo(ModelSwap.Outcome.REFUSED);
        assertThat(refused()).isEqualTo(1);
        assertThat(swap.apply(TestReleases.verified("demo-mind-small-1", TestBundle.dir(), 2)))
                .isEqualTo(ModelSwap.Outcome.UNCHANGED);
    }

    @Test
    void swapsHappenOnTheBatchWorkerBetweenBatches() throws Exception {
        try (var batcher =
                new MicroBatcher<Integer, String>(
                        "t",
                        4,
                        Duration.ofMillis(5),
                        batch ->
                                batch.stream()
                                        .map(i -> holder.current().modelVersion())
                                        .toList())) {
            var before = batcher.submit(1);
            var swapped =
                    batcher.runBetweenBatches(
                            () ->
                                    swap.apply(
                                            TestReleases.verified(
                                                    "demo-v2", TestReleases.demoV2(), 1)));
            var after = batcher.submit(2);
            swapped.get();
            assertThat(before.get()).isEqualTo("demo-mind-small-1");
            assertThat(after.get()).isEqualTo("demo-v2");
        }
    }

    private long accepted() {
        return metrics.counter("modelReleasesAccepted");
    }

    private long refused() {
        return metrics.counter("modelReleasesRefused");
    }
}
