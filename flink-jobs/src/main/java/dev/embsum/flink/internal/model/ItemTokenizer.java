package dev.embsum.flink.internal.model;

import dev.embsum.avro.ContentItem;
import dev.embsum.runtime.bundle.BundleException;
import dev.embsum.runtime.bundle.ModelBundle;
import dev.embsum.runtime.text.ItemFormatter;
import dev.embsum.runtime.text.ItemText;
import dev.embsum.runtime.text.T5Tokenizer;
import dev.embsum.runtime.text.TextContract;
import java.io.IOException;
import java.nio.file.Path;

/**
 * ContentItem → item tokens with a bundle's tokenizer and text contract. Only the tokenizer is
 * loaded (no ONNX sessions), so the stateless formatting operator stays light.
 */
public final class ItemTokenizer implements AutoCloseable {

    private final T5Tokenizer tokenizer;
    private final ItemFormatter formatter;

    private ItemTokenizer(T5Tokenizer tokenizer, TextContract contract) {
        this.tokenizer = tokenizer;
        this.formatter = new ItemFormatter(tokenizer, contract);
    }

    /** Verifies the bundle, then loads only its tokenizer and text contract. */
    public static ItemTokenizer open(Path bundlePath) throws IOException, BundleException {
        try (ModelBundle bundle = ModelBundle.open(bundlePath)) {
            TextContract contract = TextContract.fromJson(bundle.manifest().text());
            T5Tokenizer tokenizer =
                    T5Tokenizer.load(bundle.resolve(bundle.manifest().tokenizerFile()));
            try {
                return new ItemTokenizer(tokenizer, contract);
            } catch (RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        }
    }

    /**
     * @throws IllegalArgumentException when the item has no text (every template field blank)
     */
    public int[] itemTokens(ContentItem item) {
        return formatter.itemTokens(
                new ItemText(
                        item.getItemId(),
                        item.getDomain().name(),
                        item.getTitle(),
                        item.getAbstract$(),
                        item.getCategory()));
    }

    /** Item tokens + {@code </s>}: the CPE input. */
    public int[] contentTokens(int[] itemTokens) {
        return formatter.contentTokens(itemTokens);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
