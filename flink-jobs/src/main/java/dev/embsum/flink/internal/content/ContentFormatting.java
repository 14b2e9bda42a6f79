package dev.embsum.flink.internal.content;

import dev.embsum.avro.ContentItem;
import dev.embsum.avro.state.ItemTokens;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.DecodingFunction;
import dev.embsum.flink.internal.TokenBytes;
import dev.embsum.flink.internal.model.ItemTokenizer;
import dev.embsum.flink.internal.model.ModelOpener;
import dev.embsum.serde.DeadLetterKinds;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.util.Collector;

/**
 * {@code content} bytes → item tokens (docs/text-contract.md section 2). Stateless, so it runs
 * before the keyBy and scales with the source.
 *
 * <ul>
 *   <li>undecodable bytes → dead letter MALFORMED;
 *   <li>a null value (the tombstone a producer may send after {@code deleted = true}) carries
 *       nothing the deleted record did not, so it is skipped and counted;
 *   <li>a blank item_id, or an item with no text (the formatter refuses it) → dead letter INVALID;
 *   <li>{@code deleted = true} → an ItemTokens tombstone (no tokens), not formatted.
 * </ul>
 */
public final class ContentFormatting extends DecodingFunction<ContentItem, ItemTokens> {

    private static final long serialVersionUID = 1L;

    private final ModelOpener model;
    private transient ItemTokenizer tokenizer;

    public ContentFormatting(ModelOpener model, String job) {
        super(ContentItem.class, job, null, "contentTombstonesSkipped");
        this.model = model;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        super.open(openContext);
        tokenizer = model.openTokenizer();
    }

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
            tokenizer = null;
        }
    }

    @Override
    protected void process(
            ContentItem item, RawRecord raw, Context ctx, Collector<ItemTokens> out) {
        if (item.getItemId().isBlank()) {
            deadLetter(raw, DeadLetterKinds.INVALID, "item_id is blank", ctx);
            return;
        }
        ItemTokens.Builder tokens =
                ItemTokens.newBuilder()
                        .setItemId(item.getItemId())
                        .setUpdatedAtMs(item.getUpdatedAt().toEpochMilli())
                        .setDeleted(item.getDeleted())
                        .setTokens(null);
        if (!item.getDeleted()) {
            try {
                tokens.setTokens(TokenBytes.pack(tokenizer.itemTokens(item)));
            } catch (IllegalArgumentException e) {
                deadLetter(raw, DeadLetterKinds.INVALID, e.getMessage(), ctx);
                return;
            }
        }
        out.collect(tokens.build());
    }
}
