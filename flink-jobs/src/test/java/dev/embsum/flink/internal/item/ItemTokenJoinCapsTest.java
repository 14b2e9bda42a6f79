package dev.embsum.flink.internal.item;

import static dev.embsum.flink.internal.Harnesses.deadLetters;
import static dev.embsum.flink.internal.Records.item;
import static dev.embsum.flink.internal.Records.valid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.state.ItemOrClick;
import dev.embsum.avro.state.TokenizedClick;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.Harnesses.Metered;
import dev.embsum.flink.internal.MeteredKeyedBroadcastHarness;
import dev.embsum.flink.internal.model.Releases;
import dev.embsum.serde.DeadLetterKinds;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

/**
 * The bounds on clicks waiting for their item's content: per item and per subtask, the excess
 * dead-lettered at once; the subtask's count follows releases and timeouts; after a restore it
 * starts again at 0 (in memory) while the per-item count is restored exactly.
 */
class ItemTokenJoinCapsTest {

    private static final long TIMEOUT = 10_000;

    /** At most 2 clicks wait per item, 3 in the subtask. */
    private static Metered<
                    MeteredKeyedBroadcastHarness<
                            String, ItemOrClick, VerifiedRelease, TokenizedClick>>
            join(OperatorSubtaskState restore) throws Exception {
        return new Metered<>(
                env ->
                        new MeteredKeyedBroadcastHarness<>(
                                new ItemTokenJoin(new ClickWaiting(TIMEOUT, 2, 3), "test/items"),
                                ItemOrClicks::itemId,
                                Types.STRING,
                                env,
                                Releases.broadcastState()),
                restore);
    }

    @Test
    void clicksBeyondEitherCapAreDeadLetteredAtOnceAndTheCountFollowsReleasesAndTimeouts()
            throws Exception {
        OperatorSubtaskState snapshot;
        try (var j = join(null)) {
            var h = j.h;
            h.setProcessingTime(100);
            for (String event : new String[] {"e1", "e2", "e3"}) {
                h.processElement(ItemOrClicks.of(valid(event, "u1", "N1")), 0);
            }
            h.processElement(ItemOrClicks.of(valid("e4", "u2", "N2")), 0); // the third waiting
            h.processElement(ItemOrClicks.of(valid("e5", "u3", "N3")), 0); // over the total
            assertThat(deadLetters(h))
                    .extracting(DeadLetter::getErrorKind, DeadLetter::getErrorMessage)
                    .containsExactly(
                            org.assertj.core.api.Assertions.tuple(
                                    DeadLetterKinds.UNKNOWN_ITEM,
                                    "item N1 has no content and already 2 clicks waiting for it"
                                            + " (item.max-waiting-clicks): not held"),
                            org.assertj.core.api.Assertions.tuple(
                                    DeadLetterKinds.UNKNOWN_ITEM,
                                    "item N3 has no content and 3 clicks already wait for content"
                                            + " in this subtask (item.max-waiting-clicks-total):"
                                            + " not held"));
            assertThat(j.gauge("clicksWaiting")).isEqualTo(3L);

            // N1's content releases its two clicks: room again
            h.processElement(ItemOrClicks.of(item("N1", 5, 32099, 7)), 0);
            assertThat(h.extractOutputValues())
                    .extracting(TokenizedClick::getEventId)
                    .containsExactly("e1", "e2");
            h.processElement(ItemOrClicks.of(valid("e6", "u3", "N3")), 0);
            assertThat(j.gauge("clicksWaiting")).isEqualTo(2L);
            assertThat(j.counter("clicksUnknownItem")).isEqualTo(2);
            snapshot = h.snapshot(1, 1);
        }
        try (var j = join(snapshot)) {
            var h = j.h;
            // the subtask's count is in memory: it restarts at 0, e4 (N2) and e6 (N3) still wait
            assertThat(j.gauge("clicksWaiting")).as("restored").isEqualTo(0L);
            h.setProcessingTime(100);
            h.processElement(ItemOrClicks.of(valid("e7", "u4", "N3")), 0); // N3's second
            h.processElement(ItemOrClicks.of(valid("e8", "u4", "N3")), 0); // the per-item cap
            assertThat(deadLetters(h))
                    .singleElement()
                    .satisfies(
                            d ->
                                    assertThat(d.getErrorMessage())
                                            .startsWith("item N3 has no content and already 2"));
            assertThat(j.gauge("clicksWaiting")).isEqualTo(1L);
            // everything times out: e4 and e6 restored, e7 new; the count stays at 0, not below
            h.setProcessingTime(100 + TIMEOUT);
            assertThat(j.gauge("clicksWaiting")).isEqualTo(0L);
            assertThat(deadLetters(h)).hasSize(4);
        }
    }
}
