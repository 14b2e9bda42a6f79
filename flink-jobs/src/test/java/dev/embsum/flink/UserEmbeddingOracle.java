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
import dev.embsum.runtime.text.Session;
import dev.embsum.runtime.text.SessionGrouper;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a user's embedding must be: replays the user's accepted clicks into EngagementHistory +
 * SessionGrouper and calls EmbSumRuntime directly, outside Flink.
 */
final class UserEmbeddingOracle implements AutoCloseable {

    /**
     * Users per oracle model call: the job batches too, and one call per user is slow on 2 cores.
     */
    private static final int BATCH = 32;

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
        return new UserEmbeddingOracle(
                EmbSumRuntime.open(
                        bundle,
                        InferenceOptions.defaults().withMaxSummaryTokens(maxSummaryTokens)));
    }

    /** Asserts that {@code actual} is the embedding of {@code accepted} (oldest first). */
    void assertMatches(
            List<ClickEvent> accepted, Map<String, ContentItem> items, UserEmbedding actual)
            throws Exception {
        EngagementHistory history = history(accepted, items);
        assertMatches(history, runtime.refreshOne(grouper.sessions(history)), actual);
    }

    /**
     * Asserts for every user of {@code acceptedByUser} that {@code actual} holds the embedding of
     * their accepted clicks; the oracle's model calls are batched. A failure names the user.
     */
    void assertAllMatch(
            Map<String, List<ClickEvent>> acceptedByUser,
            Map<String, ContentItem> items,
            Map<String, UserEmbedding> actual)
            throws Exception {
        List<String> users = new ArrayList<>(acceptedByUser.keySet());
        for (int from = 0; from < users.size(); from += BATCH) {
            List<String> batch = users.subList(from, Math.min(users.size(), from + BATCH));
            List<EngagementHistory> histories = new ArrayList<>(batch.size());
            List<List<Session>> sessions = new ArrayList<>(batch.size());
            for (String user : batch) {
                EngagementHistory h = history(acceptedByUser.get(user), items);
                histories.add(h);
                sessions.add(grouper.sessions(h));
            }
            List<UserRefresh> expected = runtime.refresh(sessions);
            for (int i = 0; i < batch.size(); i++) {
                String user = batch.get(i);
                try {
                    assertThat(actual.get(user)).as("embedding of %s", user).isNotNull();
                    assertMatches(histories.get(i), expected.get(i), actual.get(user));
                } catch (AssertionError e) {
                    throw new AssertionError(
                            "user "
                                    + user
                                    + " ("
                                    + acceptedByUser.get(user).size()
                                    + " accepted clicks): "
                                    + e.getMessage(),
                            e);
                }
            }
        }
    }

    private EngagementHistory history(List<ClickEvent> accepted, Map<String, ContentItem> items) {
        EngagementHistory history = EngagementHistory.empty(runtime.contract());
        for (ClickEvent c : accepted) {
            ContentItem item = items.get(c.getItemId());
            history =
                    history.add(
                            c.getItemId(),
                            c.getEventTime().toEpochMilli(),
                            formatter.itemTokens(
                                    ItemText.news(
                                            item.getItemId(),
                                            item.getTitle(),
                                            item.getAbstract$(),
                                            item.getCategory())));
        }
        return history;
    }

    private void assertMatches(
            EngagementHistory history, UserRefresh expected, UserEmbedding actual) {
        assertThat(actual.getHistoryVersion()).isEqualTo(history.historyVersion());
        assertThat(actual.getHistoryItemIds())
                .containsExactlyElementsOf(
                        history.entries().stream().map(e -> e.itemId()).toList());
        assertThat(actual.getModelVersion()).isEqualTo(runtime.modelVersion());
        assertThat(actual.getM()).isEqualTo(runtime.upeCodes());
        assertThat(actual.getD()).isEqualTo(runtime.dim());
        assertThat(actual.getSummary()).isEqualTo(expected.summary());
        assertThat(actual.getLastEventTime())
                .isEqualTo(
                        Instant.ofEpochMilli(
                                history.entries().get(history.size() - 1).eventTimeMillis()));
        assertThat(Float32Bytes.unpack(actual.getUpe()))
                .containsExactly(expected.upe(), within(1e-4f));
    }

    @Override
    public void close() {
        runtime.close();
    }
}
