package dev.embsum.flink.internal.batching;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.state.ItemOrRelease;
import dev.embsum.avro.state.ItemTokens;
import dev.embsum.flink.internal.Float32Bytes;
import dev.embsum.flink.internal.TokenBytes;
import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.inference.EncodedContent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Item tokens → content poly-embeddings (CPE), micro-batched like {@link UserRefreshFunction}. The
 * CPE input is the item tokens followed by {@code </s>} (docs/text-contract.md section 2). Model
 * releases arrive in-band ({@code ItemOrRelease.release}, from item-tokens, which follows each one
 * with every item it holds, so the whole catalogue is re-embedded by the new model).
 */
public final class ContentEmbeddingFunction
        extends MicroBatchedModelFunction<ItemOrRelease, ItemTokens, ContentEmbedding> {

    private static final long serialVersionUID = 1L;

    public ContentEmbeddingFunction(ModelBatching batching) {
        super("content-embed", batching, ItemOrRelease::getRelease, ItemOrRelease::getItem);
    }

    @Override
    List<ContentEmbedding> run(List<ItemTokens> batch, EmbSumRuntime runtime) throws Exception {
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
            out.add(
                    ContentEmbedding.newBuilder()
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
