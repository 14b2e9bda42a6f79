package dev.embsum.flink.internal.item;

import dev.embsum.avro.state.ItemOrClick;
import dev.embsum.avro.state.ItemOrRelease;
import dev.embsum.avro.state.ItemTokens;
import dev.embsum.avro.state.TokenizedClick;
import dev.embsum.avro.state.ValidClick;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.DeadLetters;
import dev.embsum.flink.internal.model.Releases;
import dev.embsum.serde.DeadLetterKinds;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by item_id: holds each item's tokens (content updates) and attaches them to clicks, so the
 * user-keyed history never needs the catalogue. Both arrive on one keyed input ({@link
 * ItemOrClick}); the second, broadcast input is the model releases.
 *
 * <p>State: {@code item} (ValueState&lt;ItemTokens&gt;, no TTL: the catalogue is long-lived and the
 * content topic is compacted), {@code waiting} (ListState&lt;ValidClick&gt;: clicks that arrived
 * before their item, each with a processing-time timer at arrival + timeout) and the broadcast
 * state {@link Releases#broadcastState()} (the newest release).
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>the newest {@code updated_at} wins; an older update (reordered or replayed) is ignored and
 *       counted. An update with the same updated_at and tokens is a redelivery: the state is kept
 *       and nothing is re-embedded;
 *   <li>an accepted update replaces the tokens, releases the waiting clicks and is sent to {@link
 *       ItemOutputs#TO_EMBED} for a new CPE. Clicks already in histories keep the tokens they were
 *       accepted with: a history is what the user saw;
 *   <li>a deletion keeps a tombstone (so an older update cannot resurrect the item), dead-letters
 *       the waiting clicks, and later clicks for the item, as UNKNOWN_ITEM;
 *   <li>a click still waiting when its timer fires → dead letter UNKNOWN_ITEM, with the original
 *       record's bytes and position;
 *   <li>a model release goes to {@link ItemOutputs#TO_EMBED} (the CPE operator swaps models there),
 *       followed by every item in this subtask's state that is not deleted: CPEs of the old model
 *       cannot be scored against UPEs of the new one, so the whole catalogue is re-embedded. This
 *       happens in one step (the output back-pressures at the CPE operator's pace; checkpoints wait
 *       meanwhile) and is counted in {@code itemsReEmbedded}.
 * </ul>
 */
public final class ItemTokenJoin
        extends KeyedBroadcastProcessFunction<
                String, ItemOrClick, VerifiedRelease, TokenizedClick> {

    private static final long serialVersionUID = 1L;

    /**
     * Per function instance (not static): descriptors hold serializers, which are not thread-safe.
     */
    private final ValueStateDescriptor<ItemTokens> itemDescriptor =
            new ValueStateDescriptor<>("item", TypeInformation.of(ItemTokens.class));

    private final MapStateDescriptor<String, VerifiedRelease> releaseState =
            Releases.broadcastState();

    private final long unknownItemTimeoutMs;
    private final String job;
    private transient ValueState<ItemTokens> item;
    private transient ListState<ValidClick> waiting;
    private transient Counter staleUpdates;
    private transient Counter unknownItems;
    private transient Counter reEmbedded;

    public ItemTokenJoin(long unknownItemTimeoutMs, String job) {
        this.unknownItemTimeoutMs = unknownItemTimeoutMs;
        this.job = job;
    }

    @Override
    public void open(OpenContext openContext) {
        item = getRuntimeContext().getState(itemDescriptor);
        waiting =
                getRuntimeContext()
                        .getListState(
                                new ListStateDescriptor<>(
                                        "waiting", TypeInformation.of(ValidClick.class)));
        staleUpdates = getRuntimeContext().getMetricGroup().counter("itemStaleUpdates");
        unknownItems = getRuntimeContext().getMetricGroup().counter("clicksUnknownItem");
        reEmbedded = getRuntimeContext().getMetricGroup().counter("itemsReEmbedded");
    }

    @Override
    public void processElement(
            ItemOrClick input, ReadOnlyContext ctx, Collector<TokenizedClick> out)
            throws Exception {
        if (input.getItem() != null) {
            onItem(input.getItem(), ctx, out);
        } else {
            onClick(input.getClick(), ctx, out);
        }
    }

    @Override
    public void processBroadcastElement(
            VerifiedRelease release, Context ctx, Collector<TokenizedClick> out) throws Exception {
        ctx.getBroadcastState(releaseState).put(Releases.CURRENT, release);
        ctx.output(
                ItemOutputs.TO_EMBED,
                ItemOrRelease.newBuilder().setItem(null).setRelease(release).build());
        ctx.applyToKeyedState(
                itemDescriptor,
                (key, state) -> {
                    ItemTokens tokens = state.value();
                    if (tokens != null && !tokens.getDeleted()) {
                        ctx.output(ItemOutputs.TO_EMBED, toEmbed(tokens));
                        reEmbedded.inc();
                    }
                });
    }

    private void onItem(ItemTokens update, ReadOnlyContext ctx, Collector<TokenizedClick> out)
            throws Exception {
        ItemTokens current = item.value();
        if (current != null && update.getUpdatedAtMs() < current.getUpdatedAtMs()) {
            staleUpdates.inc();
            return;
        }
        if (update.equals(current)) {
            return;
        }
        item.update(update);
        long now = ctx.timerService().currentProcessingTime();
        for (ValidClick click : waiting.get()) {
            if (update.getDeleted()) {
                deadLetter(
                        click,
                        "item %s was deleted (updated_at %d) while the click waited for it"
                                .formatted(click.getItemId(), update.getUpdatedAtMs()),
                        ctx,
                        now);
            } else {
                out.collect(join(click, update));
            }
        }
        waiting.clear();
        if (!update.getDeleted()) {
            ctx.output(ItemOutputs.TO_EMBED, toEmbed(update));
        }
    }

    private void onClick(ValidClick click, ReadOnlyContext ctx, Collector<TokenizedClick> out)
            throws Exception {
        ItemTokens current = item.value();
        long now = ctx.timerService().currentProcessingTime();
        if (current == null) {
            click.setWaitingSinceMs(now);
            waiting.add(click);
            ctx.timerService().registerProcessingTimeTimer(now + unknownItemTimeoutMs);
        } else if (current.getDeleted()) {
            deadLetter(
                    click,
                    "item %s is deleted (updated_at %d)"
                            .formatted(click.getItemId(), current.getUpdatedAtMs()),
                    ctx,
                    now);
        } else {
            out.collect(join(click, current));
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<TokenizedClick> out)
            throws Exception {
        List<ValidClick> keep = new ArrayList<>();
        for (ValidClick click : waiting.get()) {
            if (click.getWaitingSinceMs() + unknownItemTimeoutMs <= timestamp) {
                deadLetter(
                        click,
                        "no content for item "
                                + click.getItemId()
                                + " arrived within "
                                + unknownItemTimeoutMs
                                + " ms of the click",
                        ctx,
                        timestamp);
            } else {
                keep.add(click);
            }
        }
        waiting.update(keep);
    }

    private void deadLetter(ValidClick click, String message, ReadOnlyContext ctx, long now) {
        unknownItems.inc();
        ctx.output(
                DeadLetters.TAG,
                DeadLetters.of(click.getOrigin(), DeadLetterKinds.UNKNOWN_ITEM, message, job, now));
    }

    private static ItemOrRelease toEmbed(ItemTokens tokens) {
        return ItemOrRelease.newBuilder().setItem(tokens).setRelease(null).build();
    }

    private static TokenizedClick join(ValidClick click, ItemTokens tokens) {
        return TokenizedClick.newBuilder()
                .setEventId(click.getEventId())
                .setUserId(click.getUserId())
                .setItemId(click.getItemId())
                .setEventTimeMs(click.getEventTimeMs())
                .setTokens(tokens.getTokens())
                .build();
    }
}
