package dev.embsum.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Java reproduces {@code schemas/golden/text-contract.json} (written by the Python side, {@code
 * python -m embsum.golden.text_contract}) exactly: item tokens, content tokens, history entries,
 * history versions, session ids, session tokens and [SOS] positions.
 *
 * <p>Never skipped: a missing golden file or tokenizer fails the build, because without them
 * nothing shows that the streaming job feeds the model what it was trained on.
 */
class GoldenParityTest {

    private static JsonNode golden;
    private static T5Tokenizer tokenizer;
    private static ItemFormatter formatter;

    /** Item tokens as Java computes them, by item id, for the history replays. */
    private static final Map<String, int[]> javaTokens = new HashMap<>();

    @BeforeAll
    static void load() throws IOException {
        Path file = TestFiles.goldenFile();
        if (!Files.isRegularFile(file)) {
            fail(
                    "golden file missing: "
                            + file
                            + " (generate it with `python -m embsum.golden.text_contract` and commit it)");
        }
        golden = new ObjectMapper().readTree(file.toFile());
        // Always the committed tokenizer: the golden file pins its sha256.
        tokenizer = T5Tokenizer.load(TestFiles.committedTokenizerJson());
        formatter = new ItemFormatter(tokenizer, TextContract.defaults());
    }

    @AfterAll
    static void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }

    @Test
    void goldenFileIsTheDocumentedFormat() {
        assertThat(golden.path("format").asText()).startsWith("embsum-text-contract-golden/");
        assertThat(golden.path("items").size()).isGreaterThanOrEqualTo(200);
        assertThat(golden.path("histories").size()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void recordedTokenizerIsTheCommittedOne() {
        JsonNode tok = golden.path("tokenizer");
        assertThat(TestFiles.root().resolve(tok.path("file").asText()).normalize())
                .isEqualTo(TestFiles.committedTokenizerJson().normalize());
        assertThat(tokenizer.sha256())
                .as("sha256 of models/t5-small-tokenizer/tokenizer.json vs the golden file")
                .isEqualTo(tok.path("sha256").asText());
    }

    @Test
    void configEqualsTheJavaDefaults() {
        assertThat(TextContract.fromJson(golden.path("config"))).isEqualTo(TextContract.defaults());
    }

    @Test
    void everyItemMatches() {
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        for (JsonNode item : golden.path("items")) {
            ItemText text = itemText(item);
            int[] tokens = formatter.itemTokens(text);
            int[] content = formatter.contentTokens(text);
            int[] expected = ints(item.path("tokens"));
            if (!Arrays.equals(tokens, expected)) {
                mismatches.add(
                        text.itemId()
                                + " tokens\n  java:   "
                                + Arrays.toString(tokens)
                                + "\n  python: "
                                + Arrays.toString(expected));
            }
            if (!Arrays.equals(content, ints(item.path("content_tokens")))) {
                mismatches.add(text.itemId() + " content_tokens differ");
            }
            checked++;
        }
        System.out.printf(
                "golden parity: %d items checked, %d mismatches%n", checked, mismatches.size());
        assertThat(mismatches).as("items whose Java tokens differ from the golden file").isEmpty();
    }

    @Test
    void invalidItemsAreRefused() {
        JsonNode invalid = golden.path("invalid_items");
        assertThat(invalid.size()).isPositive();
        for (JsonNode item : invalid) {
            ItemText text = itemText(item);
            assertThatThrownBy(() -> formatter.itemTokens(text))
                    .as(text.itemId())
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void everyHistoryMatches() {
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        for (JsonNode h : golden.path("histories")) {
            String id = h.path("history_id").asText(h.path("user_id").asText());
            TextContract contract =
                    TextContract.defaults()
                            .withSessionSize(h.path("p").asInt())
                            .withHistorySize(h.path("H").asInt());
            EngagementHistory history = EngagementHistory.empty(contract);
            long time = 0;
            for (JsonNode engagement : h.path("engagements")) {
                history = history.add(engagement.asText(), time++, tokensOf(engagement.asText()));
            }

            List<String> expectedEntries = new ArrayList<>();
            for (JsonNode e : h.path("entries")) {
                expectedEntries.add(e.path("item_id").asText() + "@" + e.path("seq").asLong());
            }
            List<String> entries =
                    history.entries().stream().map(e -> e.itemId() + "@" + e.seq()).toList();
            if (!entries.equals(expectedEntries)) {
                mismatches.add(
                        id + " entries\n  java:   " + entries + "\n  python: " + expectedEntries);
            }
            if (history.historyVersion() != h.path("history_version").asLong()) {
                mismatches.add(
                        id
                                + " history_version java "
                                + history.historyVersion()
                                + " python "
                                + h.path("history_version"));
            }

            List<Session> sessions = new SessionGrouper(contract).sessions(history);
            JsonNode expected = h.path("sessions");
            if (sessions.size() != expected.size()) {
                mismatches.add(
                        id
                                + " session count java "
                                + sessions.size()
                                + " python "
                                + expected.size());
            } else {
                for (int i = 0; i < sessions.size(); i++) {
                    Session s = sessions.get(i);
                    JsonNode e = expected.get(i);
                    List<String> items = new ArrayList<>();
                    e.path("item_ids").forEach(n -> items.add(n.asText()));
                    if (s.sessionId() != e.path("session_id").asLong()
                            || !s.itemIds().equals(items)
                            || !Arrays.equals(s.tokens(), ints(e.path("tokens")))
                            || !Arrays.equals(s.sosPositions(), ints(e.path("sos_positions")))) {
                        mismatches.add(
                                id
                                        + " session #"
                                        + i
                                        + " (java "
                                        + s
                                        + ", python id "
                                        + e.path("session_id")
                                        + ", items "
                                        + items
                                        + ")");
                    }
                }
            }
            checked++;
        }
        System.out.printf(
                "golden parity: %d histories checked, %d mismatches%n", checked, mismatches.size());
        assertThat(mismatches)
                .as("histories whose Java result differs from the golden file")
                .isEmpty();
    }

    private static int[] tokensOf(String itemId) {
        return javaTokens.computeIfAbsent(
                itemId,
                id -> {
                    for (JsonNode item : golden.path("items")) {
                        if (item.path("item_id").asText().equals(id)) {
                            return formatter.itemTokens(itemText(item));
                        }
                    }
                    throw new AssertionError(
                            "history engages item " + id + " missing from golden items");
                });
    }

    /** A golden item record: {@code abstract} for news, {@code description} for books. */
    private static ItemText itemText(JsonNode item) {
        String domain = item.path("domain").asText();
        String body = item.has("description") ? text(item, "description") : text(item, "abstract");
        return new ItemText(
                text(item, "item_id"), domain, text(item, "title"), body, text(item, "category"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }
}
