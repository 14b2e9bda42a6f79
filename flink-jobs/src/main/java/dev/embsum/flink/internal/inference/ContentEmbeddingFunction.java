package dev.embsum.flink.internal.inference;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.state.ItemTokens;
import dev.embsum.flink.internal.Float32Bytes;
import dev.embsum.flink.internal.TokenBytes;
import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.inference.EncodedContent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Item tokens → content poly-embeddings (CPE), micro-batched like {@link UserRefreshFunction}.
 * The CPE input is the item tokens followed by {@code </s>} (docs/text-contract.md section 2).
 */
public final class ContentEmbeddingFunction extends RichAsyncFunction<ItemTokens, ContentEmbedding> {

    private static final long serialVersionUID = 1L;

    private final ModelOpener model;
    private final int maxBatch;
    private final Duration maxWait;
    private transient ModelHolder holder;
    private transient MicroBatcher<ItemTokens, ContentEmbedding> batcher;

    public ContentEmbeddingFunction(ModelOpener model, int maxBatch, Duration maxWait) {
        this.model = model;
        this.maxBatch = maxBatch;
        this.maxWait = maxWait;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        holder = new ModelHolder(model.openRuntime());
        batcher = new MicroBatcher<>("content-embed-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                maxBatch, maxWait, this::embed);
    }

    @Override
    public void close() throws Exception {
        if (batcher != null) {
            batcher.close();
            batcher = null;
        }
        if (holder != null) {
            holder.close();
            holder = null;
        }
    }

    @Override
    public void asyncInvoke(ItemTokens item, ResultFuture<ContentEmbedding> result) {
        batcher.submit(item).whenComplete((embedding, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(List.of(embedding));
            }
        });
    }

    private List<ContentEmbedding> embed(List<ItemTokens> batch) throws Exception {
        EmbSumRuntime runtime = holder.current();
        int eos = runtime.contract().eosId();
        List<int[]> inputs = new ArrayList<>(batch.size());
        for (ItemTokens item : batch) {
            int[] tokens = TokenBytes.unpack(item.getTokens());
            int[] content = Arrays.copyOf(tokens, tokens.length + 1);
            content[tokens.length] = eos;
            inputs.add(content);
        }
        List<EncodedContent> encoded = runtime.embedContents(inputs);
        List<ContentEmbedding> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            out.add(ContentEmbedding.newBuilder()
                    .setItemId(batch.get(i).getItemId())
                    .setModelVersion(runtime.modelVersion())
                    .setN(runtime.cpeCodes())
                    .setD(runtime.dim())
                    .setCpe(Float32Bytes.pack(encoded.get(i).cpe()))
                    .setCpeKey(Float32Bytes.pack(encoded.get(i).cpeKey()))
                    .build());
        }
        return out;
    }
}
