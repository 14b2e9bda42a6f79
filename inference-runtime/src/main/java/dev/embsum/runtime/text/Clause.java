package dev.embsum.runtime.text;

import java.util.Objects;

/**
 * One clause of an item template: a label ({@code "News Title:"}), the item field it shows ({@code
 * title}) and how many of the field's token ids are kept (docs/text-contract.md section 2). A
 * missing field drops the whole clause, label included.
 *
 * @param label the label text, encoded on its own ({@code "; "} is prepended when the clause is not
 *     the first present one)
 * @param field the field name: {@code title}, {@code abstract}, {@code description} or {@code
 *     category} (see {@link ItemText#field(String)})
 * @param maxTokens how many of the field's token ids are kept (the label is not counted)
 */
public record Clause(String label, String field, int maxTokens) {

    public Clause {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(field, "field");
        if (maxTokens < 1) {
            throw new IllegalArgumentException(
                    "clause '" + label + "': maxTokens must be >= 1, got " + maxTokens);
        }
    }
}
