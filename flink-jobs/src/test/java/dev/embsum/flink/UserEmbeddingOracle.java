package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.flink.internal.Float32Bytes;
import dev.embsum.runtime.TestBundle;
import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.inference.InferenceOptions;
import dev.embsum.runtime.inference.UserRefresh;
import dev.embsum.runtime.text.EngagementHistory;
import dev.embsum.runtime.text.ItemFormatter;
import dev.embsum.runtime.text.ItemText;
import dev.embsum.runtime.text.SessionGrouper;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a user's embedding must be: replays the user's accepted clicks into EngagementHistory +
 * SessionGrouper and calls EmbSumRuntime directly, outside Flink.
 */
final class UserEmbeddingOracle implements AutoCloseable {

    private final EmbSumRuntime runtime;
    private final ItemFormatter formatter;
    private final SessionGrouper grouper;

    private UserEmbeddingOracle(EmbSumRuntime runtime) {
        this.runtime = runtime;
        this.formatter = new ItemFormatter(runtime.tokenizer(), runtime.contract());
        this.grouper = new SessionGrouper(runtime.contract());
    }

    static UserEmbeddingOracle open(int maxSummaryTokens) throws Exception {
        return open(TestBundle.dir(), maxSummaryTokens);
    }

    static UserEmbeddingOracle open(Path bundle, int maxSummaryTokens) throws Exception {
        return new UserEmbeddingOracle(EmbSumRuntime.open(bundle,
                InferenceOptions.defaults().withMaxSummaryTokens(maxSummaryTokens)));
    }

    /** Asserts that {@code actual} is the embedding of {@code accepted} (oldest first). */
    void assertMatches(List<ClickEvent> accepted, Map<String, ContentItem> items, UserEmbedding actual)
            throws Exception {
        EngagementHistory history = EngagementHistory.empty(runtime.contract());
        for (ClickEvent c : accepted) {
            ContentItem item = items.get(c.getItemId());
            history = history.add(c.getItemId(), c.getEventTime().toEpochMilli(), formatter.itemTokens(
                    ItemText.news(item.getItemId(), item.getTitle(), item.getAbstract$(), item.getCategory())));
        }
        UserRefresh expected = runtime.refreshOne(grouper.sessions(history));
        assertThat(actual.getHistoryVersion()).isEqualTo(history.historyVersion());
        assertThat(actual.getHistoryItemIds())
                .containsExactlyElementsOf(history.entries().stream().map(e -> e.itemId()).toList());
        assertThat(actual.getModelVersion()).isEqualTo(runtime.modelVersion());
        assertThat(actual.getM()).isEqualTo(runtime.upeCodes());
        assertThat(actual.getD()).isEqualTo(runtime.dim());
        assertThat(actual.getSummary()).isEqualTo(expected.summary());
        assertThat(actual.getLastEventTime())
                .isEqualTo(Instant.ofEpochMilli(history.entries().get(history.size() - 1).eventTimeMillis()));
        assertThat(Float32Bytes.unpack(actual.getUpe())).containsExactly(expected.upe(), within(1e-4f));
    }

    @Override
    public void close() {
        runtime.close();
    }
}
