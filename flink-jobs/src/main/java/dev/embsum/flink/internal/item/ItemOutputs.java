package dev.embsum.flink.internal.item;

import dev.embsum.avro.state.ItemOrRelease;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/** Side outputs of {@link ItemTokenJoin}. */
public final class ItemOutputs {

    /**
     * The input of the content-embedding (CPE) path: items whose tokens changed, and each model
     * release followed by every item in state (re-embedded by the new model).
     */
    public static final OutputTag<ItemOrRelease> TO_EMBED =
            new OutputTag<>("items-to-embed", TypeInformation.of(ItemOrRelease.class));

    private ItemOutputs() {}
}
