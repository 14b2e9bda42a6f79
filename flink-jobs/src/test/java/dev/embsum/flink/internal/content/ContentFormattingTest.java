package dev.embsum.flink.internal.content;

import static dev.embsum.flink.internal.Records.raw;
import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.ContentItem;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.Domain;
import dev.embsum.avro.state.ItemTokens;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.DeadLetters;
import dev.embsum.flink.internal.RawRecords;
import dev.embsum.flink.internal.TestBundleOpener;
import dev.embsum.flink.internal.TokenBytes;
import dev.embsum.flink.internal.model.ItemTokenizer;
import dev.embsum.runtime.TestBundle;
import dev.embsum.serde.DeadLetterKinds;
import java.time.Instant;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class ContentFormattingTest {

    private static OneInputStreamOperatorTestHarness<RawRecord, ItemTokens> harness()
            throws Exception {
        return ProcessFunctionTestHarnesses.forProcessFunction(
                new ContentFormatting(TestBundleOpener.of(1, MemorySize.ZERO), "test/content"));
    }

    private static ContentItem news(String id, String title, boolean deleted) {
        return ContentItem.newBuilder()
                .setItemId(id)
                .setDomain(Domain.news)
                .setTitle(title)
                .setAbstract$(null)
                .setCategory(null)
                .setSubcategory(null)
                .setUpdatedAt(Instant.ofEpochMilli(42))
                .setDeleted(deleted)
                .build();
    }

    @Test
    void itemsAreTokenizedByTheBundlesTextContract() throws Exception {
        ContentItem item = news("N1", "The Brands Queen Elizabeth Swears By", false);
        try (var h = harness();
                ItemTokenizer tokenizer = ItemTokenizer.open(TestBundle.dir())) {
            h.processElement(raw(item), 0);
            ItemTokens out = h.extractOutputValues().get(0);
            assertThat(out.getItemId()).isEqualTo("N1");
            assertThat(out.getUpdatedAtMs()).isEqualTo(42);
            assertThat(TokenBytes.unpack(out.getTokens()))
                    .containsExactly(tokenizer.itemTokens(item));
            assertThat(TokenBytes.unpack(out.getTokens())[0]).isEqualTo(32099);
        }
    }

    @Test
    void deletionsBecomeTombstonesAndNullValuesAreSkipped() throws Exception {
        try (var h = harness()) {
            h.processElement(raw(news("N1", "", true)), 0);
            h.processElement(RawRecords.unpositioned("content", "N1", null), 0);
            assertThat(h.extractOutputValues())
                    .singleElement()
                    .satisfies(
                            t -> {
                                assertThat(t.getDeleted()).isTrue();
                                assertThat(t.getTokens()).isNull();
                            });
            assertThat(h.getSideOutput(DeadLetters.TAG)).isNull();
        }
    }

    @Test
    void itemsWithoutTextAreInvalidAndBadBytesMalformed() throws Exception {
        try (var h = harness()) {
            h.processElement(raw(news("N1", "   ", false)), 0);
            h.processElement(raw(news(" ", "A title", false)), 0);
            h.processElement(RawRecords.unpositioned("content", "N2", new byte[] {9}), 0);
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(h.getSideOutput(DeadLetters.TAG))
                    .map(StreamRecord::getValue)
                    .extracting(DeadLetter::getErrorKind)
                    .containsExactly(
                            DeadLetterKinds.INVALID,
                            DeadLetterKinds.INVALID,
                            DeadLetterKinds.MALFORMED);
        }
    }
}
