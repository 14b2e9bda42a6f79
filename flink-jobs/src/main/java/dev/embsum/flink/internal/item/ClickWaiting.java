package dev.embsum.flink.internal.item;

import dev.embsum.flink.EmbSumOptions;
import java.io.Serializable;
import org.apache.flink.configuration.Configuration;

/**
 * How a click for an item without content waits for it in {@link ItemTokenJoin}: for at most {@code
 * timeoutMs}, and only while fewer than {@code maxPerItem} clicks wait for that item and fewer than
 * {@code maxTotal} in the subtask; otherwise it is dead-lettered as UNKNOWN_ITEM.
 *
 * @param timeoutMs {@code item.unknown-timeout}
 * @param maxPerItem {@code item.max-waiting-clicks}
 * @param maxTotal {@code item.max-waiting-clicks-total}
 */
public record ClickWaiting(long timeoutMs, int maxPerItem, int maxTotal) implements Serializable {

    /** The three settings of a job configuration. */
    public static ClickWaiting of(Configuration config) {
        return new ClickWaiting(
                config.get(EmbSumOptions.ITEM_UNKNOWN_TIMEOUT).toMillis(),
                config.get(EmbSumOptions.ITEM_MAX_WAITING_CLICKS),
                config.get(EmbSumOptions.ITEM_MAX_WAITING_CLICKS_TOTAL));
    }
}
