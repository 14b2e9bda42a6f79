package dev.embsum.flink.internal.content;

import dev.embsum.avro.ContentItem;
import dev.embsum.avro.state.ItemTokens;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.DeadLetters;
import dev.embsum.flink.internal.TokenBytes;
import dev.embsum.flink.internal.model.ItemTokenizer;
import dev.embsum.flink.internal.model.ModelOpener;
import dev.embsum.serde.DeadLetterKinds;
import dev.embsum.serde.SingleObjectCodec;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
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
public final class ContentFormatting extends ProcessFunction<RawRecord, ItemTokens> {

    private static final long serialVersionUID = 1L;

    private final ModelOpener model;
    private final String job;
    private transient SingleObjectCodec<ContentItem> codec;
    private transient ItemTokenizer tokenizer;
    private transient Counter tombstones;

    public ContentFormatting(ModelOpener model, String job) {
        this.model = model;
        this.job = job;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        codec = SingleObjectCodec.forClass(ContentItem.class);
        tokenizer = model.openTokenizer();
        tombstones = getRuntimeContext().getMetricGroup().counter("contentTombstonesSkipped");
    }

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
            tokenizer = null;
        }
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<ItemTokens> out) {
        if (raw.getValue() == null) {
            tombstones.inc();
            return;
        }
        ContentItem item = DeadLetters.decodeOrSend(codec, raw, ctx, job);
        if (item == null) {
            return;
        }
        if (item.getItemId().isBlank()) {
            DeadLetters.send(ctx, raw, DeadLetterKinds.INVALID, "item_id is blank", job);
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
                DeadLetters.send(ctx, raw, DeadLetterKinds.INVALID, e.getMessage(), job);
                return;
            }
        }
        out.collect(tokens.build());
    }
}
