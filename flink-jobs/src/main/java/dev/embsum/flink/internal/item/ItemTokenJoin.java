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
import org.apache.flink.api.common.typeinfo.Types;
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
 * before their item, each with a processing-time timer at arrival + timeout), {@code waiting-count}
 * (ValueState&lt;Integer&gt;: the length of {@code waiting}, so a click need not read the list) and
 * the broadcast state {@link Releases#broadcastState()} (the newest release). The clicks waiting in
 * the whole subtask are counted in memory only ({@code clicksWaiting}): a checkpointed per-subtask
 * count would be wrong after a rescale, which moves keyed state by key group but operator state by
 * list entry. After a restore it starts at 0 and undercounts until the restored clicks are resolved
 * (at most {@code item.unknown-timeout} later), so the total cap can be exceeded by what was
 * waiting at the restore; the per-item cap is exact.
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
 *   <li>waiting is bounded: a click for an item that already has {@code maxPerItem} clicks waiting,
 *       or arriving while {@code maxTotal} clicks wait in this subtask (counted as above), is not
 *       held but dead-lettered at once as UNKNOWN_ITEM (replayable once the content is there), so a
 *       flood of clicks for items that never arrive cannot grow the state without bound;
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

    private final ClickWaiting limits;
    private final String job;
    private transient ValueState<ItemTokens> item;
    private transient ListState<ValidClick> waiting;
    private transient ValueState<Integer> waitingCount;
    private transient long waitingTotal;
    private transient Counter staleUpdates;
    private transient Counter unknownItems;
    private transient Counter reEmbedded;

    /**
     * @param limits how long and how many clicks wait for their item's content
     * @param job the name written to DeadLetter.job
     */
    public ItemTokenJoin(ClickWaiting limits, String job) {
        this.limits = limits;
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
        waitingCount =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("waiting-count", Types.INT));
        getRuntimeContext().getMetricGroup().gauge("clicksWaiting", () -> waitingTotal);
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
        released(waitingNow());
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
        waitingCount.clear();
        if (!update.getDeleted()) {
            ctx.output(ItemOutputs.TO_EMBED, toEmbed(update));
        }
    }

    private void onClick(ValidClick click, ReadOnlyContext ctx, Collector<TokenizedClick> out)
            throws Exception {
        ItemTokens current = item.value();
        long now = ctx.timerService().currentProcessingTime();
        if (current == null) {
            hold(click, ctx, now);
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
            if (click.getWaitingSinceMs() + limits.timeoutMs() <= timestamp) {
                deadLetter(
                        click,
                        "no content for item "
                                + click.getItemId()
                                + " arrived within "
                                + limits.timeoutMs()
                                + " ms of the click",
                        ctx,
                        timestamp);
            } else {
                keep.add(click);
            }
        }
        released(waitingNow() - keep.size());
        waiting.update(keep);
        if (keep.isEmpty()) {
            waitingCount.clear();
        } else {
            waitingCount.update(keep.size());
        }
    }

    /** Holds a click until its item arrives or it times out, unless a cap is reached. */
    private void hold(ValidClick click, ReadOnlyContext ctx, long now) throws Exception {
        int count = waitingNow();
        String full =
                count >= limits.maxPerItem()
                        ? "already %d clicks waiting for it (item.max-waiting-clicks)"
                                .formatted(count)
                        : waitingTotal >= limits.maxTotal()
                                ? "%d clicks already wait for content in this subtask (item.max-waiting-clicks-total)"
                                        .formatted(waitingTotal)
                                : null;
        if (full != null) {
            deadLetter(
                    click,
                    "item %s has no content and %s: not held".formatted(click.getItemId(), full),
                    ctx,
                    now);
            return;
        }
        click.setWaitingSinceMs(now);
        waiting.add(click);
        waitingCount.update(count + 1);
        waitingTotal++;
        ctx.timerService().registerProcessingTimeTimer(now + limits.timeoutMs());
    }

    /**
     * The clicks waiting for the current item. A state from before {@code waiting-count} existed
     * has none: the list is counted once.
     */
    private int waitingNow() throws Exception {
        Integer count = waitingCount.value();
        if (count != null) {
            return count;
        }
        int n = 0;
        for (ValidClick ignored : waiting.get()) {
            n++;
        }
        return n;
    }

    private void released(int clicks) {
        // never below 0: after a restore the count starts at 0 while restored clicks still wait
        waitingTotal = Math.max(0, waitingTotal - clicks);
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
