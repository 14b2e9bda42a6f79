package dev.embsum.runtime.text;

import java.util.Set;

/**
 * The raw text fields of one catalogue item, as they arrive on the {@code content} topic. Values
 * are kept verbatim (null allowed); {@link ItemFormatter} cleans them.
 *
 * @param itemId the item's id (used in error messages only; may be null)
 * @param domain {@link TextContract#NEWS} or {@link TextContract#BOOK}
 * @param title the title
 * @param body the news abstract or the book description (one slot: an item has one or the other)
 * @param category the news category (unused by the book template)
 */
public record ItemText(String itemId, String domain, String title, String body, String category) {

    /** Field names a {@link Clause} may refer to. */
    public static final Set<String> FIELDS = Set.of("title", "abstract", "description", "category");

    /** A MIND news item. */
    public static ItemText news(String itemId, String title, String abstractText, String category) {
        return new ItemText(itemId, TextContract.NEWS, title, abstractText, category);
    }

    /** A Goodreads book item. */
    public static ItemText book(String itemId, String title, String description) {
        return new ItemText(itemId, TextContract.BOOK, title, description, null);
    }

    /**
     * The raw value of a template field: {@code abstract} and {@code description} both name {@link
     * #body()}.
     *
     * @throws IllegalArgumentException for a name outside {@link #FIELDS}
     */
    public String field(String name) {
        return switch (name) {
            case "title" -> title;
            case "abstract", "description" -> body;
            case "category" -> category;
            default ->
                    throw new IllegalArgumentException(
                            "unknown item field '" + name + "' (known: " + FIELDS + ")");
        };
    }
}
