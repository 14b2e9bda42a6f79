package dev.embsum.flink.internal.item;

import static dev.embsum.flink.internal.Harnesses.deadLetters;
import static dev.embsum.flink.internal.Records.deleted;
import static dev.embsum.flink.internal.Records.item;
import static dev.embsum.flink.internal.Records.valid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.state.ItemOrClick;
import dev.embsum.avro.state.ItemOrRelease;
import dev.embsum.avro.state.ItemTokens;
import dev.embsum.avro.state.TokenizedClick;
import dev.embsum.avro.state.ValidClick;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.DeadLetters;
import dev.embsum.flink.internal.Harnesses;
import dev.embsum.flink.internal.TokenBytes;
import dev.embsum.flink.internal.model.Releases;
import dev.embsum.serde.DeadLetterKinds;
import java.util.List;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class ItemTokenJoinTest {

    private static final long TIMEOUT = 10_000;

    private static KeyedBroadcastOperatorTestHarness<
                    String, ItemOrClick, VerifiedRelease, TokenizedClick>
            harness() throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new ItemTokenJoin(new ClickWaiting(TIMEOUT, 1000, 1000), "test/items"),
                ItemOrClicks::itemId,
                Types.STRING,
                Releases.broadcastState());
    }

    @Test
    void clicksForKnownItemsGetTheirTokensAndItemsGoToEmbedding() throws Exception {
        try (var h = harness()) {
            h.processElement(ItemOrClicks.of(item("N1", 5, 32099, 10, 11)), 0);
            h.processElement(ItemOrClicks.of(valid("e1", "u1", "N1")), 0);
            assertThat(h.extractOutputValues())
                    .singleElement()
                    .satisfies(
                            c -> {
                                assertThat(c.getUserId()).isEqualTo("u1");
                                assertThat(TokenBytes.unpack(c.getTokens()))
                                        .containsExactly(32099, 10, 11);
                            });
            assertThat(toEmbed(h)).extracting(ItemTokens::getItemId).containsExactly("N1");
        }
    }

    @Test
    void clicksWaitForTheirItemThenAreReleasedInArrivalOrder() throws Exception {
        try (var h = harness()) {
            h.setProcessingTime(100);
            h.processElement(ItemOrClicks.of(valid("e1", "u1", "N1")), 0);
            h.processElement(ItemOrClicks.of(valid("e2", "u2", "N1")), 0);
            assertThat(h.extractOutputValues()).isEmpty();
            h.setProcessingTime(5_000);
            h.processElement(ItemOrClicks.of(item("N1", 5, 32099, 7)), 0);
            assertThat(h.extractOutputValues())
                    .extracting(TokenizedClick::getEventId)
                    .containsExactly("e1", "e2");
            h.setProcessingTime(100 + TIMEOUT);
            assertThat(h.getSideOutput(DeadLetters.TAG)).isNull();
        }
    }

    @Test
    void clicksWaitingPastTheTimeoutAreDeadLetteredAsUnknownItem() throws Exception {
        try (var h = harness()) {
            h.setProcessingTime(100);
            h.processElement(ItemOrClicks.of(valid("e1", "u1", "N9")), 0);
            h.setProcessingTime(2_000);
            h.processElement(ItemOrClicks.of(valid("e2", "u1", "N9")), 0);
            h.setProcessingTime(100 + TIMEOUT);
            List<DeadLetter> dead = deadLetters(h);
            assertThat(dead)
                    .singleElement()
                    .satisfies(
                            d -> {
                                assertThat(d.getErrorKind())
                                        .isEqualTo(DeadLetterKinds.UNKNOWN_ITEM);
                                assertThat(d.getErrorMessage()).contains("N9");
                                assertThat(d.getSourceTopic()).isEqualTo("clicks");
                            });
            h.processElement(
                    ItemOrClicks.of(item("N9", 1, 32099)), 0); // the second click is still waiting
            assertThat(h.extractOutputValues())
                    .extracting(TokenizedClick::getEventId)
                    .containsExactly("e2");
        }
    }

    @Test
    void olderUpdatesAreIgnoredAndRedeliveriesAreNotReEmbedded() throws Exception {
        try (var h = harness()) {
            process(
                    h,
                    item("N1", 10, 32099, 1000),
                    item("N1", 5, 32099, 999),
                    item("N1", 10, 32099, 1000),
                    valid("e1", "u1", "N1"));
            assertThat(TokenBytes.unpack(h.extractOutputValues().get(0).getTokens()))
                    .containsExactly(32099, 1000);
            assertThat(toEmbed(h)).hasSize(1);
            h.processElement(ItemOrClicks.of(item("N1", 11, 32099, 1001)), 0);
            assertThat(toEmbed(h)).hasSize(2);
        }
    }

    @Test
    void deletedItemsDeadLetterTheirClicksAndCannotBeResurrectedByOlderUpdates() throws Exception {
        try (var h = harness()) {
            process(
                    h,
                    valid("e1", "u1", "N1"),
                    deleted("N1", 10),
                    item("N1", 9, 32099, 5),
                    valid("e2", "u1", "N1"));
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(deadLetters(h))
                    .extracting(DeadLetter::getErrorKind)
                    .containsExactly(DeadLetterKinds.UNKNOWN_ITEM, DeadLetterKinds.UNKNOWN_ITEM);
            assertThat(toEmbed(h)).isEmpty();
            h.processElement(
                    ItemOrClicks.of(item("N1", 11, 32099, 5)),
                    0); // re-published later: back in service
            h.processElement(ItemOrClicks.of(valid("e3", "u1", "N1")), 0);
            assertThat(h.extractOutputValues())
                    .extracting(TokenizedClick::getEventId)
                    .containsExactly("e3");
        }
    }

    @Test
    void aReleaseGoesToEmbeddingFollowedByEveryItemInStateButNotDeletedOnes() throws Exception {
        try (var h = harness()) {
            process(h, item("N1", 5, 32099, 1), item("N2", 5, 32099, 2), deleted("N3", 5));
            h.processElement(ItemOrClicks.of(valid("e1", "u1", "N4")), 0); // waits: no item yet
            h.getSideOutput(ItemOutputs.TO_EMBED).clear();

            VerifiedRelease release = release("v2");
            h.processBroadcastElement(release, 0);

            List<ItemOrRelease> out = toEmbedAll(h);
            assertThat(out).hasSize(3);
            assertThat(out.get(0).getRelease())
                    .isEqualTo(release); // first: the CPE operator swaps, then embeds
            assertThat(out.subList(1, 3))
                    .allSatisfy(o -> assertThat(o.getRelease()).isNull())
                    .extracting(o -> o.getItem().getItemId())
                    .containsExactlyInAnyOrder("N1", "N2");
            assertThat(h.getBroadcastState(Releases.broadcastState()).get(Releases.CURRENT))
                    .isEqualTo(release);
            assertThat(h.extractOutputValues()).isEmpty();

            h.processElement(
                    ItemOrClicks.of(item("N4", 6, 32099, 4)), 0); // the waiting click still joins
            assertThat(h.extractOutputValues())
                    .extracting(TokenizedClick::getEventId)
                    .containsExactly("e1");
        }
    }

    private static VerifiedRelease release(String version) {
        return VerifiedRelease.newBuilder()
                .setModelVersion(version)
                .setBundleUri("/models/" + version)
                .setBundlePath("/models/" + version)
                .setBundleSha256("ab".repeat(32))
                .setReleasedAtMs(1)
                .build();
    }

    /** Items sent to embedding (releases left out). */
    private static List<ItemTokens> toEmbed(
            KeyedBroadcastOperatorTestHarness<String, ItemOrClick, VerifiedRelease, TokenizedClick>
                    h) {
        return toEmbedAll(h).stream().map(ItemOrRelease::getItem).filter(Objects::nonNull).toList();
    }

    private static List<ItemOrRelease> toEmbedAll(
            KeyedBroadcastOperatorTestHarness<String, ItemOrClick, VerifiedRelease, TokenizedClick>
                    h) {
        return Harnesses.sideOutput(h, ItemOutputs.TO_EMBED);
    }

    /** Each input (item tokens or a valid click) on the keyed input, in order. */
    private static void process(
            KeyedBroadcastOperatorTestHarness<String, ItemOrClick, VerifiedRelease, TokenizedClick>
                    h,
            SpecificRecord... inputs)
            throws Exception {
        for (SpecificRecord in : inputs) {
            h.processElement(
                    in instanceof ItemTokens item
                            ? ItemOrClicks.of(item)
                            : ItemOrClicks.of((ValidClick) in),
                    0);
        }
    }
}
