package dev.embsum.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextContractTest {

    @Test
    void defaultsAreTheDocumentedValues() {
        TextContract c = TextContract.defaults();
        assertThat(c.sosId()).isEqualTo(32099);
        assertThat(c.eosId()).isEqualTo(1);
        assertThat(c.padId()).isZero();
        assertThat(c.unkId()).isEqualTo(2);
        assertThat(c.historySize()).isEqualTo(60);
        assertThat(c.sessionSize()).isEqualTo(4);
        assertThat(c.sessionMaxTokens()).isEqualTo(512);
        assertThat(c.itemMaxTokens()).isEqualTo(124);
        assertThat(c.clauses("news"))
                .containsExactly(
                        new Clause("News Title:", "title", 32),
                        new Clause("News Abstract:", "abstract", 72),
                        new Clause("News Category:", "category", 8));
        assertThat(c.clauses("book"))
                .containsExactly(
                        new Clause("Book Title:", "title", 24),
                        new Clause("Book Description:", "description", 85));
    }

    @Test
    void refusesSessionsThatWouldNeedTruncation() {
        // 5 × 124 + 1 = 621 > 512
        assertThatThrownBy(() -> TextContract.defaults().withSessionSize(5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("621")
                .hasMessageContaining("512");
        // 4 × 124 + 1 = 497 ≤ 512 is fine; 4 × 127 + 1 = 509, 4 × 128 + 1 = 513 is not.
        TextContract d = TextContract.defaults();
        TextContract tight =
                new TextContract(
                        d.sosId(),
                        d.eosId(),
                        d.padId(),
                        d.unkId(),
                        d.historySize(),
                        4,
                        512,
                        128,
                        d.domains());
        assertThatThrownBy(tight::validate).hasMessageContaining("513").hasMessageContaining("512");
    }

    @Test
    void refusesNonsense() {
        TextContract d = TextContract.defaults();
        assertThatThrownBy(() -> d.withHistorySize(0)).hasMessageContaining("H");
        assertThatThrownBy(() -> d.withSessionSize(0)).hasMessageContaining("p");
        assertThatThrownBy(
                        () ->
                                new TextContract(70000, 1, 0, 2, 60, 4, 512, 124, d.domains())
                                        .validate())
                .hasMessageContaining("70000");
        assertThatThrownBy(
                        () ->
                                new TextContract(
                                                32099,
                                                1,
                                                0,
                                                2,
                                                60,
                                                4,
                                                512,
                                                124,
                                                Map.of(
                                                        "news",
                                                        List.of(
                                                                new Clause(
                                                                        "News Body:", "body", 10))))
                                        .validate())
                .hasMessageContaining("unknown field 'body'");
    }

    @Test
    void readsTheGoldenConfigShape() throws Exception {
        // As written by the Python side (TextConfig.to_dict): domains sorted, clause objects.
        JsonNode json =
                new ObjectMapper()
                        .readTree(
                                """
                {"sos_id": 32099, "eos_id": 1, "pad_id": 0, "unk_id": 2,
                 "H": 60, "p": 4, "l": 512, "item_max_tokens": 124,
                 "clauses": {
                   "book": [{"label": "Book Title:", "field": "title", "max_tokens": 24},
                            {"label": "Book Description:", "field": "description",
                             "max_tokens": 85}],
                   "news": [{"label": "News Title:", "field": "title", "max_tokens": 32},
                            {"label": "News Abstract:", "field": "abstract", "max_tokens": 72},
                            {"label": "News Category:", "field": "category", "max_tokens": 8}]}}
                """);
        assertThat(TextContract.fromJson(json)).isEqualTo(TextContract.defaults());
    }

    @Test
    void readsAPlainMap() {
        TextContract c = TextContract.fromMap(plainMap());
        assertThat(c.historySize()).isEqualTo(10);
        assertThat(c.sessionSize()).isEqualTo(1);
        assertThat(c.domains()).containsOnlyKeys("news");
    }

    @Test
    void anUnknownKeyIsRefused() {
        Map<String, Object> map = new HashMap<>(plainMap());
        map.put("item_max_token", 100);
        assertThatThrownBy(() -> TextContract.fromMap(map))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown key 'item_max_token'");
    }

    @Test
    void aMissingValueIsAnErrorNotADefault() throws Exception {
        JsonNode json =
                new ObjectMapper()
                        .readTree(
                                """
                {"sos_id": 32099, "eos_id": 1, "pad_id": 0, "unk_id": 2, "H": 60, "p": 4,
                 "item_max_tokens": 124, "clauses": {"news":
                   [{"label": "News Title:", "field": "title", "max_tokens": 32}]}}
                """);
        assertThatThrownBy(() -> TextContract.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'l'");
    }

    /** A valid contract as a plain map (H 10, p 1, one news clause), as YAML loaders give it. */
    private static Map<String, Object> plainMap() {
        Map<String, Object> newsTitle =
                Map.of("label", "News Title:", "field", "title", "max_tokens", 32);
        Map<String, Object> map = new HashMap<>();
        map.put("sos_id", 32099);
        map.put("eos_id", 1);
        map.put("pad_id", 0);
        map.put("unk_id", 2);
        map.put("H", 10);
        map.put("p", 1);
        map.put("l", 512);
        map.put("item_max_tokens", 124);
        map.put("clauses", Map.of("news", List.of(newsTitle)));
        return map;
    }
}
