package dev.embsum.flink.internal.item;

import dev.embsum.avro.state.ItemTokens;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/** Side outputs of {@link ItemTokenJoin}. */
public final class ItemOutputs {

    /** Items whose tokens changed: the input of the content-embedding (CPE) path. */
    public static final OutputTag<ItemTokens> TO_EMBED =
            new OutputTag<>("items-to-embed", TypeInformation.of(ItemTokens.class));

    private ItemOutputs() {
    }
}
