package dev.embsum.cli;

import static dev.embsum.cli.TestRecords.floats;
import static dev.embsum.cli.TestRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.ranker.ContentVectors;
import dev.embsum.ranker.PolyEmbedding;
import dev.embsum.ranker.PolyScorer;
import dev.embsum.ranker.ScoredItem;
import dev.embsum.runtime.TestBundle;
import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.inference.EncodedContent;
import dev.embsum.runtime.inference.InferenceOptions;
import dev.embsum.runtime.inference.UserRefresh;
import dev.embsum.runtime.text.EngagementHistory;
import dev.embsum.runtime.text.ItemFormatter;
import dev.embsum.runtime.text.ItemText;
import dev.embsum.runtime.text.SessionGrouper;
import dev.embsum.serde.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code embsum score} against embeddings the demo bundle computed (EmbSumRuntime, here): its top-k
 * equals PolyScorer's on the same vectors, the newest record per key wins, tombstones delete, and
 * model versions are never mixed.
 */
@InProcessKafka
class ScoreCommandTest {

    private static final int ITEMS = 40;
    private static final int HISTORY = 6;
    private static final Pattern ROW =
            Pattern.compile("^\\s*(\\d+)\\.\\s+(-?[0-9.]+)\\s+(\\S+)$", Pattern.MULTILINE);

    /** Set by {@link InProcessKafka}. */
    private static TestKafka kafka;

    private static String modelVersion;

    /** item_id to its content embedding, in news.tsv order. */
    private static final Map<String, ContentEmbedding> catalogue = new LinkedHashMap<>();

    private static UserEmbedding older;
    private static UserEmbedding newer;

    @BeforeAll
    static void embed() throws Exception {
        Path news =
                Paths.get(System.getProperty("embsum.root", "..")).resolve("data/mind/news.tsv");
        List<String[]> rows =
                Files.readAllLines(news, StandardCharsets.UTF_8).stream()
                        .limit(ITEMS)
                        .map(l -> l.split("\t", -1))
                        .toList();
        try (EmbSumRuntime runtime =
                EmbSumRuntime.open(
                        TestBundle.dir(), InferenceOptions.defaults().withMaxSummaryTokens(8))) {
            modelVersion = runtime.modelVersion();
            ItemFormatter formatter = new ItemFormatter(runtime.tokenizer(), runtime.contract());
            List<int[]> itemTokens = new ArrayList<>();
            List<int[]> contentTokens = new ArrayList<>();
            for (String[] f : rows) {
                int[] t =
                        formatter.itemTokens(
                                ItemText.news(f[0], f[3], f[4].isEmpty() ? null : f[4], f[1]));
                itemTokens.add(t);
                contentTokens.add(formatter.contentTokens(t));
            }
            List<EncodedContent> encoded = runtime.embedContents(contentTokens);
            for (int i = 0; i < rows.size(); i++) {
                catalogue.put(
                        rows.get(i)[0],
                        ContentEmbedding.newBuilder()
                                .setItemId(rows.get(i)[0])
                                .setModelVersion(modelVersion)
                                .setN(runtime.cpeCodes())
                                .setD(runtime.dim())
                                .setCpe(floats(encoded.get(i).cpe()))
                                .setCpeKey(floats(encoded.get(i).cpeKey()))
                                .build());
            }
            SessionGrouper grouper = new SessionGrouper(runtime.contract());
            EngagementHistory history = EngagementHistory.empty(runtime.contract());
            for (int i = 0; i < HISTORY; i++) {
                history = history.add(rows.get(i)[0], 1_000L * i, itemTokens.get(i));
                if (i == 2) {
                    older = user(runtime, history, grouper.sessions(history));
                }
            }
            newer = user(runtime, history, grouper.sessions(history));
        }
    }

    /**
     * The expected ranking: PolyScorer over the newest vectors, history and deleted items left out.
     */
    private static List<ScoredItem> expectedTop(
            UserEmbedding u, List<ContentEmbedding> items, int k) {
        PolyEmbedding upe = PolyEmbedding.fromLittleEndian(u.getUpe(), u.getM(), u.getD());
        List<ContentVectors> vectors =
                items.stream()
                        .map(
                                c ->
                                        ContentVectors.fromLittleEndian(
                                                c.getCpe(), c.getCpeKey(), c.getN(), c.getD()))
                        .toList();
        return PolyScorer.topK(upe, vectors, k);
    }

    @Test
    void topKEqualsPolyScorerOnTheNewestRecords() throws Exception {
        kafka.createTopics("s1-users", "s1-items");
        SingleObjectCodec<UserEmbedding> users = SingleObjectCodec.forClass(UserEmbedding.class);
        SingleObjectCodec<ContentEmbedding> items =
                SingleObjectCodec.forClass(ContentEmbedding.class);
        kafka.send("s1-users", utf8(older.getUserId()), users.encode(older));
        kafka.send("s1-users", utf8(newer.getUserId()), users.encode(newer)); // newest wins
        List<String> ids = new ArrayList<>(catalogue.keySet());
        String updated = ids.get(10);
        String deleted = ids.get(11);
        // item 10 first with item 20's vectors, then its own: only the second may count
        ContentEmbedding wrong =
                ContentEmbedding.newBuilder(catalogue.get(ids.get(20))).setItemId(updated).build();
        kafka.send("s1-items", utf8(updated), items.encode(wrong));
        for (ContentEmbedding c : catalogue.values()) {
            kafka.send("s1-items", utf8(c.getItemId()), items.encode(c));
        }
        kafka.send("s1-items", utf8(deleted), null); // tombstone: item 11 is gone

        List<ContentEmbedding> candidates = new ArrayList<>();
        for (ContentEmbedding c : catalogue.values()) {
            if (!c.getItemId().equals(deleted)
                    && !newer.getHistoryItemIds().contains(c.getItemId())) {
                candidates.add(c);
            }
        }
        List<ScoredItem> expected = expectedTop(newer, candidates, 7);

        Cli.Result r = score("s1-", newer.getUserId(), "--k", "7");
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.out())
                .startsWith(
                        "user "
                                + newer.getUserId()
                                + "  model "
                                + modelVersion
                                + "  history_version "
                                + HISTORY
                                + "  ("
                                + HISTORY
                                + " history items)\n")
                .contains(
                        "top 7 of "
                                + (ITEMS - 1 - HISTORY)
                                + " items of model "
                                + modelVersion
                                + " ("
                                + HISTORY
                                + " in the user's history left out):\n");
        assertRanking(r.out(), expected, candidates);
        assertThat(r.out()).doesNotContain(deleted);

        // --include-history ranks the history items too; k above the catalogue size ranks every
        // item, so
        // every score (item 10's included: its first record must not count) is compared.
        List<ContentEmbedding> all = new ArrayList<>(catalogue.values());
        all.removeIf(c -> c.getItemId().equals(deleted));
        Cli.Result withHistory = score("s1-", newer.getUserId(), "--k", "50", "--include-history");
        assertThat(withHistory.status()).as(withHistory.toString()).isZero();
        assertThat(withHistory.out())
                .contains("top " + (ITEMS - 1) + " of " + (ITEMS - 1) + " items");
        assertRanking(withHistory.out(), expectedTop(newer, all, 50), all);
    }

    @Test
    void mixedModelVersionsAreRefused() throws Exception {
        kafka.createTopics("s2-users", "s2-items");
        SingleObjectCodec<ContentEmbedding> items =
                SingleObjectCodec.forClass(ContentEmbedding.class);
        kafka.send(
                "s2-users",
                utf8(newer.getUserId()),
                SingleObjectCodec.forClass(UserEmbedding.class).encode(newer));
        List<ContentEmbedding> sameModel = new ArrayList<>();
        int i = 0;
        for (ContentEmbedding c : catalogue.values()) {
            ContentEmbedding published =
                    i++ % 4 == 0
                            ? ContentEmbedding.newBuilder(c).setModelVersion("mind-v2").build()
                            : c;
            kafka.send("s2-items", utf8(c.getItemId()), items.encode(published));
            if (published.getModelVersion().equals(modelVersion)
                    && !newer.getHistoryItemIds().contains(c.getItemId())) {
                sameModel.add(c);
            }
        }
        Cli.Result refused = score("s2-", newer.getUserId());
        assertThat(refused.status()).isEqualTo(1);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err())
                .contains(
                        "embsum score: user "
                                + newer.getUserId()
                                + " is embedded by model "
                                + modelVersion
                                + " but the catalogue on 's2-items' mixes model versions")
                .contains("mind-v2=10")
                .contains("Scores of embeddings from different models mean nothing")
                .contains("--skip-other-models");

        Cli.Result r = score("s2-", newer.getUserId(), "--skip-other-models");
        assertThat(r.status()).as(r.toString()).isZero();
        assertRanking(r.out(), expectedTop(newer, sameModel, 10), sameModel);
    }

    @Test
    void unknownUserFailsWithAHint() throws Exception {
        kafka.createTopics("s3-users", "s3-items");
        kafka.send(
                "s3-users",
                utf8(newer.getUserId()),
                SingleObjectCodec.forClass(UserEmbedding.class).encode(newer));
        Cli.Result r = score("s3-", "U-nobody");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err())
                .contains(
                        "embsum score: no embedding of user 'U-nobody' on 's3-users' (1 users have one)")
                .contains("embsum tail s3-users --from-beginning --key U-nobody");
    }

    /**
     * embsum score of {@code user} on the test broker, from the topics {@code topicPrefix +
     * "users"} and {@code topicPrefix + "items"}.
     */
    private static Cli.Result score(String topicPrefix, String user, String... options) {
        return Cli.run(
                kafka,
                List.of(
                        "score",
                        "--user",
                        user,
                        "--topic-user-embeddings",
                        topicPrefix + "users",
                        "--topic-content-embeddings",
                        topicPrefix + "items"),
                options);
    }

    private static void assertRanking(
            String out, List<ScoredItem> expected, List<ContentEmbedding> candidates) {
        Matcher m = ROW.matcher(out);
        List<String> ids = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        while (m.find()) {
            assertThat(Integer.parseInt(m.group(1))).isEqualTo(ids.size() + 1);
            scores.add(Double.parseDouble(m.group(2)));
            ids.add(m.group(3));
        }
        assertThat(ids)
                .as(out)
                .containsExactlyElementsOf(
                        expected.stream().map(s -> candidates.get(s.index()).getItemId()).toList());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(scores.get(i)).isCloseTo(expected.get(i).score(), within(1e-6));
        }
    }

    private static UserEmbedding user(
            EmbSumRuntime runtime,
            EngagementHistory history,
            List<dev.embsum.runtime.text.Session> sessions)
            throws Exception {
        UserRefresh u = runtime.refreshOne(sessions);
        return UserEmbedding.newBuilder()
                .setUserId("U-score")
                .setModelVersion(runtime.modelVersion())
                .setHistoryVersion(history.historyVersion())
                .setM(runtime.upeCodes())
                .setD(runtime.dim())
                .setUpe(floats(u.upe()))
                .setSummary(u.summary())
                .setHistoryItemIds(history.entries().stream().map(e -> e.itemId()).toList())
                .setLastEventTime(Instant.ofEpochMilli(1_000L * (history.size() - 1)))
                .setComputedAt(Instant.now())
                .build();
    }
}
