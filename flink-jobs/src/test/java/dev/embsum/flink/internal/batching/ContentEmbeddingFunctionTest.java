package dev.embsum.flink.internal.batching;

import static dev.embsum.flink.internal.Records.item;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.state.ItemOrRelease;
import dev.embsum.avro.state.ItemTokens;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.Harnesses;
import dev.embsum.flink.internal.TestBundleOpener;
import dev.embsum.flink.internal.TestReleases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CPE operator (async, micro-batched) around a hot swap, on real bundles: the release is
 * applied in-band, the serving release survives a snapshot/restore, and a restore whose bundle is
 * gone fails naming it.
 */
class ContentEmbeddingFunctionTest {

    @TempDir static Path tmp;
    private static Path v2;

    @BeforeAll
    static void bundles() throws Exception {
        v2 = TestReleases.reversioned(tmp, "v2", "demo-v2");
    }

    private static OneInputStreamOperatorTestHarness<ItemOrRelease, ContentEmbedding> harness(
            OperatorSubtaskState restore) throws Exception {
        var function =
                new ContentEmbeddingFunction(
                        new ModelBatching(
                                TestBundleOpener.of(8, MemorySize.ZERO), 8, Duration.ofMillis(5)));
        return Harnesses.open(
                new OneInputStreamOperatorTestHarness<ItemOrRelease, ContentEmbedding>(
                        new AsyncWaitOperatorFactory<>(
                                function, 60_000, 16, AsyncDataStream.OutputMode.UNORDERED),
                        TypeInformation.of(ItemOrRelease.class)
                                .createSerializer(new SerializerConfigImpl())),
                restore);
    }

    private static ItemOrRelease in(ItemTokens item) {
        return ItemOrRelease.newBuilder().setItem(item).setRelease(null).build();
    }

    private static ItemOrRelease in(VerifiedRelease release) {
        return ItemOrRelease.newBuilder().setItem(null).setRelease(release).build();
    }

    @Test
    void itemsAfterAReleaseAreEmbeddedByTheNewModelAndARestoreKeepsIt() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(null)) {
            h.processElement(in(item("N1", 1, 32099, 10, 11)), 0);
            h.processElement(in(TestReleases.verified("demo-v2", v2, 5)), 0);
            h.processElement(in(item("N2", 1, 32099, 10, 11)), 0);
            h.endInput();
            List<ContentEmbedding> out = h.extractOutputValues();
            assertThat(out)
                    .extracting(e -> e.getItemId() + "@" + e.getModelVersion())
                    .containsExactly("N1@demo-mind-small-1", "N2@demo-v2");
            assertThat(out.get(1).getCpe())
                    .isEqualTo(out.get(0).getCpe()); // same graphs, same tokens
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(snapshot)) {
            h.processElement(in(item("N3", 1, 32099, 12)), 0);
            h.endInput();
            assertThat(h.extractOutputValues())
                    .extracting(ContentEmbedding::getModelVersion)
                    .containsExactly("demo-v2");
        }

        Files.move(v2, tmp.resolve("v2-gone"));
        try {
            assertThatThrownBy(() -> harness(snapshot).close())
                    .hasMessageContaining("cannot serve model release demo-v2")
                    .hasMessageContaining("Put that bundle back at " + v2);
        } finally {
            Files.move(tmp.resolve("v2-gone"), v2);
        }
    }
}
