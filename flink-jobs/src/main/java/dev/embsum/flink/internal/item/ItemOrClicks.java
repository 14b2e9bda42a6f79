package dev.embsum.flink.internal.item;

import dev.embsum.avro.state.ItemOrClick;
import dev.embsum.avro.state.ItemTokens;
import dev.embsum.avro.state.ValidClick;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** Builds {@link ItemOrClick}, the one keyed input of {@link ItemTokenJoin}. */
public final class ItemOrClicks {

    public static final TypeInformation<ItemOrClick> TYPE = TypeInformation.of(ItemOrClick.class);

    private ItemOrClicks() {}

    public static ItemOrClick of(ItemTokens item) {
        return ItemOrClick.newBuilder().setItem(item).setClick(null).build();
    }

    public static ItemOrClick of(ValidClick click) {
        return ItemOrClick.newBuilder().setItem(null).setClick(click).build();
    }

    /** The key: the item's or the clicked item's id. */
    public static String itemId(ItemOrClick input) {
        return input.getItem() != null ? input.getItem().getItemId() : input.getClick().getItemId();
    }
}
