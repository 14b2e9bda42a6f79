package dev.embsum.flink.internal.click;

import static dev.embsum.flink.internal.Harnesses.deadLetters;
import static dev.embsum.flink.internal.Records.click;
import static dev.embsum.flink.internal.Records.raw;
import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.avro.state.ValidClick;
import dev.embsum.flink.internal.DeadLetters;
import dev.embsum.flink.internal.Harnesses;
import dev.embsum.flink.internal.RawRecords;
import java.time.Instant;
import java.util.List;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class ClickValidationTest {

    private static OneInputStreamOperatorTestHarness<RawRecord, ValidClick> harness()
            throws Exception {
        return ProcessFunctionTestHarnesses.forProcessFunction(
                new ClickValidation("test/validate"));
    }

    @Test
    void clicksAndHighRatingsAreEngagements() throws Exception {
        try (var h = harness()) {
            process(
                    h,
                    click("e1", "u1", "N1", Action.CLICK, null),
                    click("e2", "u1", "N2", Action.RATE, 4),
                    click("e3", "u1", "N3", Action.RATE, 5));
            assertThat(h.extractOutputValues())
                    .extracting(ValidClick::getEventId)
                    .containsExactly("e1", "e2", "e3");
            assertThat(h.extractOutputValues().get(0).getEventTimeMs()).isEqualTo(1_000);
            assertThat(h.getSideOutput(DeadLetters.TAG)).isNull();
        }
    }

    @Test
    void lowRatingsAreDroppedNotDeadLettered() throws Exception {
        try (var h = harness()) {
            for (int rating = 1; rating <= 3; rating++) {
                h.processElement(raw(click("e" + rating, "u1", "N1", Action.RATE, rating)), 0);
            }
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(h.getSideOutput(DeadLetters.TAG)).isNull();
        }
    }

    @Test
    void undecodableBytesAreMalformedWithTheOriginalBytes() throws Exception {
        try (var h = harness()) {
            RawRecord bad = RawRecords.unpositioned("clicks", "u1", new byte[] {(byte) 0xC3, 1, 2});
            h.processElement(bad, 0);
            h.processElement(RawRecords.unpositioned("clicks", "u1", null), 0);
            List<DeadLetter> dead = deadLetters(h);
            assertThat(dead)
                    .extracting(DeadLetter::getErrorKind)
                    .containsExactly("MALFORMED", "MALFORMED");
            assertThat(dead.get(0).getValue()).isEqualTo(bad.getValue());
            assertThat(dead.get(0).getSourceTopic()).isEqualTo("clicks");
            assertThat(dead.get(0).getJob()).isEqualTo("test/validate");
            assertThat(dead.get(0).getErrorMessage()).contains("TRUNCATED");
        }
    }

    @Test
    void ruleBreakersAreInvalid() throws Exception {
        try (var h = harness()) {
            process(
                    h,
                    click("e1", "u1", "N1", Action.RATE, null),
                    click("e2", "u1", "N1", Action.RATE, 6),
                    click("e3", "u1", "N1", Action.CLICK, 0),
                    click("e4", " ", "N1", Action.CLICK, null),
                    click("e5", "u1", "", Action.CLICK, null),
                    click("", "u1", "N1", Action.CLICK, null));
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(deadLetters(h))
                    .extracting(DeadLetter::getErrorMessage)
                    .containsExactly(
                            "RATE event e1 has no rating",
                            "rating 6 of event e2 is outside 1..5",
                            "rating 0 of event e3 is outside 1..5",
                            "user_id is blank (event e4)",
                            "item_id is blank (event e5)",
                            "event_id is blank");
            assertThat(deadLetters(h))
                    .allSatisfy(d -> assertThat(d.getErrorKind()).isEqualTo("INVALID"));
        }
    }

    @Test
    void idsAndTimesHaveSanityLimits() throws Exception {
        try (var h = harness()) {
            long day = 86_400_000L;
            h.setProcessingTime(10 * day);
            String longId = "u".repeat(ClickValidation.MAX_ID_LENGTH + 1);
            process(
                    h,
                    click("e".repeat(300), "u1", "N1", Action.CLICK, null),
                    click("e2", longId, "N1", Action.CLICK, null),
                    click("e3", "u1", "N1\n", Action.CLICK, null),
                    click("e4", "u1", "N1", Action.CLICK, null, Instant.ofEpochMilli(11 * day + 1)),
                    // at the limit: accepted
                    click(
                            "e5",
                            "u".repeat(256),
                            "N1",
                            Action.CLICK,
                            null,
                            Instant.ofEpochMilli(11 * day)));
            assertThat(h.extractOutputValues())
                    .extracting(ValidClick::getEventId)
                    .containsExactly("e5");
            assertThat(deadLetters(h))
                    .extracting(DeadLetter::getErrorMessage)
                    .containsExactly(
                            "event_id is 300 characters long, at most 256 are accepted",
                            "user_id is 257 characters long, at most 256 are accepted (event e2)",
                            "item_id contains the control character U+000A at position 2 (event e3)",
                            "event_time 1970-01-12T00:00:00.001Z of event e4 is more than 24 h ahead"
                                    + " of the job's clock (1970-01-11T00:00:00Z)");
            assertThat(deadLetters(h))
                    .allSatisfy(d -> assertThat(d.getErrorKind()).isEqualTo("INVALID"));
        }
    }

    @Test
    void countsAcceptedClicksApartFromDroppedAndInvalidOnes() throws Exception {
        try (var m =
                new Harnesses.Metered<>(
                        env ->
                                new OneInputStreamOperatorTestHarness<>(
                                        new ProcessOperator<>(new ClickValidation("test/validate")),
                                        env),
                        null)) {
            process(
                    m.h,
                    click("e1", "u1", "N1", Action.CLICK, null),
                    click("e2", "u1", "N2", Action.RATE, 2),
                    click("", "u1", "N3", Action.CLICK, null),
                    click("e4", "u1", "N4", Action.RATE, 5));
            assertThat(m.counter("clicksAccepted")).isEqualTo(2);
            assertThat(m.counter("clicksNotEngagement")).isEqualTo(1);
            assertThat(m.counter("clicksInvalid")).isEqualTo(1);
        }
    }

    private static void process(
            OneInputStreamOperatorTestHarness<RawRecord, ValidClick> h, ClickEvent... clicks)
            throws Exception {
        for (ClickEvent click : clicks) {
            h.processElement(raw(click), 0);
        }
    }
}
