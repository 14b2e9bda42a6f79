package dev.embsum.runtime.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The numbers and templates of docs/text-contract.md, as one immutable value.
 *
 * <p>Today {@link #defaults()} is the source; later the model bundle's manifest is, through {@link
 * #fromJson(JsonNode)} (the {@code config} object of {@code schemas/golden/text-contract.json}).
 * The canonical constructor does not validate, so a broken configuration can be built and
 * inspected; every factory and every consumer ({@link ItemFormatter}, {@link EngagementHistory},
 * {@link SessionGrouper}) calls {@link #validate()}, so a broken one is never used.
 *
 * @param sosId [SOS] = {@code <extra_id_0>}, first token of every item (32099)
 * @param eosId {@code </s>}, ends content sequences and sessions (1)
 * @param padId {@code <pad>}, also the decoder start (0)
 * @param unkId {@code <unk>}, replaces injected special tokens (2)
 * @param historySize H, entries kept in a user's history (60)
 * @param sessionSize p, items per session: session id = seq / p (4; 1 = no grouping)
 * @param sessionMaxTokens l, token limit of one session including its {@code </s>} (512)
 * @param itemMaxTokens cap on one item's tokens including [SOS] (124)
 * @param domains clause table per domain ({@code news}, {@code book}), in template order
 */
public record TextContract(
        int sosId,
        int eosId,
        int padId,
        int unkId,
        int historySize,
        int sessionSize,
        int sessionMaxTokens,
        int itemMaxTokens,
        Map<String, List<Clause>> domains) {

    /** Domain of MIND news items. */
    public static final String NEWS = "news";

    /** Domain of Goodreads book items. */
    public static final String BOOK = "book";

    private static final Set<String> JSON_KEYS =
            Set.of(
                    "sos_id",
                    "eos_id",
                    "pad_id",
                    "unk_id",
                    "H",
                    "p",
                    "l",
                    "item_max_tokens",
                    "clauses");

    public TextContract {
        Objects.requireNonNull(domains, "domains");
        Map<String, List<Clause>> copy = new LinkedHashMap<>();
        domains.forEach(
                (name, clauses) ->
                        copy.put(
                                Objects.requireNonNull(name, "domain name"),
                                List.copyOf(
                                        Objects.requireNonNull(clauses, "clauses of " + name))));
        domains = Collections.unmodifiableMap(copy);
    }

    /** The contract's values: the t5-small ids, H 60, p 4, l 512, 124 tokens per item. */
    public static TextContract defaults() {
        Map<String, List<Clause>> domains = new LinkedHashMap<>();
        domains.put(
                NEWS,
                List.of(
                        new Clause("News Title:", "title", 32),
                        new Clause("News Abstract:", "abstract", 72),
                        new Clause("News Category:", "category", 8)));
        domains.put(
                BOOK,
                List.of(
                        new Clause("Book Title:", "title", 24),
                        new Clause("Book Description:", "description", 85)));
        return new TextContract(32099, 1, 0, 2, 60, 4, 512, 124, domains).validate();
    }

    /**
     * Checks the configuration and returns it.
     *
     * @throws IllegalArgumentException naming the offending values, notably when {@code p ×
     *     itemMaxTokens + 1 > l} (a full session would need truncation)
     */
    public TextContract validate() {
        for (int id : new int[] {sosId, eosId, padId, unkId}) {
            // History state stores token ids in 16 bits.
            if (id < 0 || id > TokenIds.MAX_ID) {
                throw new IllegalArgumentException(
                        "special token id " + id + " is outside 0.." + TokenIds.MAX_ID);
            }
        }
        requirePositive("H (historySize)", historySize);
        requirePositive("p (sessionSize)", sessionSize);
        requirePositive("l (sessionMaxTokens)", sessionMaxTokens);
        requirePositive("itemMaxTokens", itemMaxTokens);
        long fullSession = (long) sessionSize * itemMaxTokens + 1;
        if (fullSession > sessionMaxTokens) {
            throw new IllegalArgumentException(
                    "text contract refused: p × item_max_tokens + 1 = "
                            + sessionSize
                            + " × "
                            + itemMaxTokens
                            + " + 1 = "
                            + fullSession
                            + " exceeds the session limit l = "
                            + sessionMaxTokens
                            + " (a full session would need truncation)");
        }
        if (domains.isEmpty()) {
            throw new IllegalArgumentException("text contract has no domains");
        }
        domains.forEach(
                (name, clauses) -> {
                    if (clauses.isEmpty()) {
                        throw new IllegalArgumentException("domain '" + name + "' has no clauses");
                    }
                    for (Clause clause : clauses) {
                        if (!ItemText.FIELDS.contains(clause.field())) {
                            throw new IllegalArgumentException(
                                    "domain '"
                                            + name
                                            + "' clause '"
                                            + clause.label()
                                            + "' names unknown field '"
                                            + clause.field()
                                            + "' (known: "
                                            + ItemText.FIELDS
                                            + ")");
                        }
                    }
                });
        return this;
    }

    /** The clauses of {@code domain}, in template order. */
    public List<Clause> clauses(String domain) {
        List<Clause> clauses = domains.get(domain);
        if (clauses == null) {
            throw new IllegalArgumentException(
                    "unknown item domain '" + domain + "' (known: " + domains.keySet() + ")");
        }
        return clauses;
    }

    /** A copy with another p (p = 1 is the "no session grouping" ablation), validated. */
    public TextContract withSessionSize(int p) {
        return new TextContract(
                        sosId,
                        eosId,
                        padId,
                        unkId,
                        historySize,
                        p,
                        sessionMaxTokens,
                        itemMaxTokens,
                        domains)
                .validate();
    }

    /** A copy with another H, validated. */
    public TextContract withHistorySize(int h) {
        return new TextContract(
                        sosId,
                        eosId,
                        padId,
                        unkId,
                        h,
                        sessionSize,
                        sessionMaxTokens,
                        itemMaxTokens,
                        domains)
                .validate();
    }

    /** Reads a plain map of the {@link #fromJson(JsonNode)} shape (e.g. parsed YAML/JSON). */
    public static TextContract fromMap(Map<String, ?> config) {
        return fromJson(new ObjectMapper().valueToTree(config));
    }

    /**
     * Reads the {@code config} object of the golden file / model manifest, the shape the Python
     * side writes ({@code TextConfig.to_dict()} in {@code embsum.text.contract}):
     *
     * <pre>{@code
     * {"sos_id": 32099, "eos_id": 1, "pad_id": 0, "unk_id": 2,
     *  "H": 60, "p": 4, "l": 512, "item_max_tokens": 124,
     *  "clauses": {"book": [{"label": "Book Title:", "field": "title", "max_tokens": 24}, ...],
     *              "news": [...]}}
     * }</pre>
     *
     * <p>Every key is required and unknown keys are refused: a manifest with a typo or a missing
     * value is an error, not a silent default.
     *
     * @throws IllegalArgumentException if a value is missing or malformed, or validation fails
     */
    public static TextContract fromJson(JsonNode config) {
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException("text contract config must be a JSON object");
        }
        for (Map.Entry<String, JsonNode> key : config.properties()) {
            String name = key.getKey();
            if (!JSON_KEYS.contains(name)) {
                throw new IllegalArgumentException(
                        "text contract config has unknown key '"
                                + name
                                + "' (known: "
                                + JSON_KEYS
                                + ")");
            }
        }
        JsonNode table = config.get("clauses");
        if (table == null || !table.isObject()) {
            throw new IllegalArgumentException(
                    "text contract config needs a 'clauses' object: domain -> list of clauses");
        }
        Map<String, List<Clause>> domains = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> domain : table.properties()) {
            if (!domain.getValue().isArray()) {
                throw new IllegalArgumentException(
                        "clauses of domain '" + domain.getKey() + "' must be a list");
            }
            List<Clause> clauses = new ArrayList<>();
            for (JsonNode c : domain.getValue()) {
                if (!c.path("label").isTextual()
                        || !c.path("field").isTextual()
                        || !c.path("max_tokens").isIntegralNumber()) {
                    throw new IllegalArgumentException(
                            "domain '"
                                    + domain.getKey()
                                    + "': a clause needs label, field and max_tokens, got "
                                    + c);
                }
                clauses.add(
                        new Clause(
                                c.get("label").asText(),
                                c.get("field").asText(),
                                c.get("max_tokens").asInt()));
            }
            domains.put(domain.getKey(), clauses);
        }
        return new TextContract(
                        requiredInt(config, "sos_id"),
                        requiredInt(config, "eos_id"),
                        requiredInt(config, "pad_id"),
                        requiredInt(config, "unk_id"),
                        requiredInt(config, "H"),
                        requiredInt(config, "p"),
                        requiredInt(config, "l"),
                        requiredInt(config, "item_max_tokens"),
                        domains)
                .validate();
    }

    private static int requiredInt(JsonNode config, String name) {
        JsonNode value = config.get(name);
        if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new IllegalArgumentException(
                    "text contract config needs integer '" + name + "', got " + value);
        }
        return value.asInt();
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }
}
