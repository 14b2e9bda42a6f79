package dev.embsum.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ItemFormatterTest {

    private static final int SOS = 32099;
    // Label ids, from docs/text-contract.md and Python `tokenizers` on the same file.
    private static final int[] NEWS_TITLE = {3529, 11029, 10};
    private static final int[] NEWS_ABSTRACT_FIRST = {3529, 20114, 10};
    private static final int[] NEWS_ABSTRACT = {3, 117, 3529, 20114, 10};
    private static final int[] NEWS_CATEGORY = {3, 117, 3529, 17459, 10};
    private static final int[] BOOK_TITLE = {3086, 11029, 10};
    private static final int[] BOOK_DESCRIPTION = {3, 117, 3086, 7726, 10};
    private static final int CAT = 1712;
    private static final int DOG = 1782;
    private static final int SPORTS = 2100;

    private static T5Tokenizer tokenizer;
    private static ItemFormatter formatter;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = T5Tokenizer.load(TestFiles.tokenizerJson());
        formatter = new ItemFormatter(tokenizer, TextContract.defaults());
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void newsItemWithEveryField() {
        int[] ids = formatter.itemTokens(ItemText.news("N1", "cat cat", "dog", "sports"));
        assertThat(ids)
                .containsExactly(
                        item(
                                clause(NEWS_TITLE, CAT, CAT),
                                clause(NEWS_ABSTRACT, DOG),
                                clause(NEWS_CATEGORY, SPORTS)));
    }

    @Test
    void contentTokensAppendEos() {
        ItemText item = ItemText.news("N1", "cat", null, null);
        assertThat(formatter.contentTokens(item))
                .containsExactly(concat(item(clause(NEWS_TITLE, CAT)), new int[] {1}));
    }

    @Test
    void missingFieldsDropTheirClauseAndTheFirstPresentClauseHasNoSeparator() {
        assertThat(formatter.itemTokens(ItemText.news("N2", null, "dog", "sports")))
                .containsExactly(
                        item(clause(NEWS_ABSTRACT_FIRST, DOG), clause(NEWS_CATEGORY, SPORTS)));
        assertThat(formatter.itemTokens(ItemText.news("N3", "cat", "", "sports")))
                .containsExactly(item(clause(NEWS_TITLE, CAT), clause(NEWS_CATEGORY, SPORTS)));
    }

    @Test
    void blankMeansMissingWithPythonsWhitespace() {
        // U+00A0 and U+2007 are whitespace for Python's str.strip() but not Java's String.strip().
        int[] expected = item(clause(NEWS_TITLE, CAT));
        assertThat(
                        formatter.itemTokens(
                                ItemText.news("N4", "  cat\t\n", " \u00a0\u2007 ", "\u3000")))
                .containsExactly(expected);
    }

    @Test
    void fieldsAreTruncatedByTokenIds() {
        int[] ids = formatter.itemTokens(ItemText.news("N5", repeat("cat", 40), null, null));
        assertThat(ids).hasSize(1 + 3 + 32);
        assertThat(ids).containsExactly(item(clause(NEWS_TITLE, fill(CAT, 32))));
    }

    @Test
    void itemsAreCappedAt124Tokens() {
        // 1 + 3 + 32 + 5 + 72 + 5 + 8 = 126 tokens before the cap: the category loses two ids.
        int[] ids =
                formatter.itemTokens(
                        ItemText.news(
                                "N6", repeat("cat", 40), repeat("dog", 80), repeat("sports", 10)));
        assertThat(ids)
                .containsExactly(
                        item(
                                clause(NEWS_TITLE, fill(CAT, 32)),
                                clause(NEWS_ABSTRACT, fill(DOG, 72)),
                                clause(NEWS_CATEGORY, fill(SPORTS, 6))));
        assertThat(ids).hasSize(124);
        assertThat(formatter.contentTokens(ids)).hasSize(125).endsWith(1);
    }

    @Test
    void bookItemsUseTheirOwnTemplateAndFitUnderTheCap() {
        int[] ids = formatter.itemTokens(ItemText.book("B1", repeat("cat", 30), repeat("dog", 90)));
        assertThat(ids)
                .containsExactly(
                        item(
                                clause(BOOK_TITLE, fill(CAT, 24)),
                                clause(BOOK_DESCRIPTION, fill(DOG, 85))));
        assertThat(ids).hasSize(118);
    }

    @Test
    void injectedSpecialTokensBecomeUnk() {
        int[] ids = formatter.itemTokens(ItemText.news("N7", "a <extra_id_0> </s> b", null, null));
        assertThat(ids).containsExactly(item(clause(NEWS_TITLE, 3, 9, 2, 2, 3, 115)));
        // Only the formatter's own [SOS] remains; no forged end of sequence.
        assertThat(IntStream.of(ids).filter(i -> i == SOS).count()).isEqualTo(1);
        assertThat(ids).doesNotContain(1);
    }

    @Test
    void anItemWithoutTextIsRefused() {
        assertThatThrownBy(() -> formatter.itemTokens(ItemText.news("N8", null, " ", "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("N8")
                .hasMessageContaining("no text");
        // A book has no category clause, so a category alone is no text either.
        assertThatThrownBy(
                        () ->
                                formatter.itemTokens(
                                        new ItemText(
                                                "B2", TextContract.BOOK, null, null, "fiction")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anUnknownDomainIsRefused() {
        assertThatThrownBy(
                        () -> formatter.itemTokens(new ItemText("M1", "movie", "cat", null, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown item domain 'movie'")
                .hasMessageContaining("news");
    }

    /** The tokens of an item: the [SOS] that opens every item, then its clauses. */
    private static int[] item(int[]... clauses) {
        return concat(new int[] {SOS}, concat(clauses));
    }

    /** The tokens of one clause: its label, then the field's ids. */
    private static int[] clause(int[] label, int... ids) {
        return concat(label, ids);
    }

    static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }

    static int[] fill(int id, int n) {
        return IntStream.generate(() -> id).limit(n).toArray();
    }

    private static String repeat(String word, int n) {
        return String.join(" ", java.util.Collections.nCopies(n, word));
    }
}
