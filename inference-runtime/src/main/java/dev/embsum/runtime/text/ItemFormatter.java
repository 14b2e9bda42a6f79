package dev.embsum.runtime.text;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Item text → item tokens, per docs/text-contract.md section 2:
 *
 * <pre>
 * ids = [SOS]
 * for i, (label, value, limit) in enumerate(present clauses):
 *     ids += encode(label if i == 0 else "; " + label)
 *     ids += encode(value)[:limit]
 * ids = ids[:item_max_tokens]
 * </pre>
 *
 * <p>Each piece is encoded separately so that a field is truncated by token ids, never by
 * characters, and so that the label's tokens do not depend on the neighbouring text. Label
 * encodings are computed once here. Thread-safe if the tokenizer is (it is); the formatter does not
 * own the tokenizer and does not close it.
 */
public final class ItemFormatter {

    private final T5Tokenizer tokenizer;
    private final TextContract contract;

    /** Per domain, per clause: [0] = label as the first clause, [1] = "; " + label. */
    private final Map<String, int[][][]> labelIds = new LinkedHashMap<>();

    public ItemFormatter(T5Tokenizer tokenizer, TextContract contract) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.contract = Objects.requireNonNull(contract, "contract").validate();
        contract.domains()
                .forEach(
                        (domain, clauses) -> {
                            int[][][] ids = new int[clauses.size()][][];
                            for (int i = 0; i < clauses.size(); i++) {
                                String label = clauses.get(i).label();
                                ids[i] =
                                        new int[][] {
                                            tokenizer.encode(label), tokenizer.encode("; " + label)
                                        };
                            }
                            labelIds.put(domain, ids);
                        });
    }

    /**
     * The item tokens: [SOS], then the present clauses, at most {@code itemMaxTokens}.
     *
     * @throws IllegalArgumentException for an unknown domain, or when no clause is present (no
     *     title, no body, no category): such a content record is dead-lettered
     */
    public int[] itemTokens(ItemText item) {
        Objects.requireNonNull(item, "item");
        List<Clause> clauses = contract.clauses(item.domain());
        int[][][] labels = labelIds.get(item.domain());
        TokenBuffer ids = new TokenBuffer(contract.itemMaxTokens() + 1);
        ids.add(contract.sosId());
        int present = 0;
        for (int i = 0; i < clauses.size(); i++) {
            Clause clause = clauses.get(i);
            String value = TextCleaning.clean(item.field(clause.field()));
            if (value == null) {
                continue;
            }
            ids.addAll(labels[i][present == 0 ? 0 : 1], Integer.MAX_VALUE);
            ids.addAll(tokenizer.encode(value), clause.maxTokens());
            present++;
        }
        if (present == 0) {
            throw new IllegalArgumentException(
                    "item "
                            + item.itemId()
                            + " ("
                            + item.domain()
                            + ") has no text: every field of its template is missing or blank");
        }
        return ids.toArray(contract.itemMaxTokens());
    }

    /** The CPE input: item tokens followed by {@code </s>} (at most itemMaxTokens + 1). */
    public int[] contentTokens(ItemText item) {
        return contentTokens(itemTokens(item));
    }

    /** {@code itemTokens} followed by {@code </s>}; the argument is not modified. */
    public int[] contentTokens(int[] itemTokens) {
        int[] out = Arrays.copyOf(itemTokens, itemTokens.length + 1);
        out[itemTokens.length] = contract.eosId();
        return out;
    }

    /** The contract this formatter applies. */
    public TextContract contract() {
        return contract;
    }

    /** A growable int array; only what the formatter needs. */
    private static final class TokenBuffer {
        private int[] data;
        private int size;

        TokenBuffer(int capacity) {
            data = new int[capacity];
        }

        void add(int id) {
            ensure(size + 1);
            data[size++] = id;
        }

        void addAll(int[] ids, int limit) {
            int n = Math.min(ids.length, limit);
            ensure(size + n);
            System.arraycopy(ids, 0, data, size, n);
            size += n;
        }

        int[] toArray(int cap) {
            return Arrays.copyOf(data, Math.min(size, cap));
        }

        private void ensure(int capacity) {
            if (capacity > data.length) {
                data = Arrays.copyOf(data, Math.max(capacity, data.length * 2));
            }
        }
    }
}
