package dev.embsum.flink.internal.click;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.avro.state.ValidClick;
import dev.embsum.flink.internal.DecodingFunction;
import dev.embsum.serde.DeadLetterKinds;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;

/**
 * {@code clicks} bytes → accepted engagements. Decoding happens here, not in the source, so a bad
 * record becomes a dead letter instead of failing the job:
 *
 * <ul>
 *   <li>undecodable bytes (any {@link dev.embsum.serde.MalformedRecordException} kind, a null value
 *       included) → dead letter MALFORMED;
 *   <li>decoded but breaking a rule (blank ids, an id longer than {@value #MAX_ID_LENGTH}
 *       characters or holding a control character, an event_time more than a day ahead of the job's
 *       clock, a RATE without a rating, a rating outside 1..5) → dead letter INVALID;
 *   <li>a RATE with rating ≤ 3 is valid but not an engagement (docs/design.md 3): dropped and
 *       counted, not dead-lettered;
 *   <li>everything else (a CLICK, or a RATE with rating &gt; 3) is emitted.
 * </ul>
 *
 * A CLICK's rating is optional; when present it must still be in 1..5.
 */
public final class ClickValidation extends DecodingFunction<ClickEvent, ValidClick> {

    private static final long serialVersionUID = 1L;

    /**
     * Longest id accepted (event_id, user_id, item_id). Ids become state keys and Kafka keys; one
     * of megabytes is a bug or an attack, not a user.
     */
    static final int MAX_ID_LENGTH = 256;

    /** How far an event_time may lie ahead of the job's clock: producers' clocks drift. */
    static final Duration MAX_AHEAD = Duration.ofDays(1);

    private transient Counter accepted;
    private transient Counter notEngagements;
    private transient Counter invalid;

    /**
     * @param job the name written to DeadLetter.job
     */
    public ClickValidation(String job) {
        super(ClickEvent.class, job, "clicksMalformed", null);
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        super.open(openContext);
        var metrics = getRuntimeContext().getMetricGroup();
        // the freshness alert compares accepted clicks with emitted embeddings (alerts.yml)
        accepted = metrics.counter("clicksAccepted");
        notEngagements = metrics.counter("clicksNotEngagement");
        invalid = metrics.counter("clicksInvalid");
    }

    @Override
    protected void process(
            ClickEvent click, RawRecord raw, Context ctx, Collector<ValidClick> out) {
        String problem = problem(click, ctx.timerService().currentProcessingTime());
        if (problem != null) {
            invalid.inc();
            deadLetter(raw, DeadLetterKinds.INVALID, problem, ctx);
            return;
        }
        if (click.getAction() == Action.RATE && click.getRating() <= 3) {
            notEngagements.inc();
            return;
        }
        accepted.inc();
        out.collect(
                ValidClick.newBuilder()
                        .setEventId(click.getEventId())
                        .setUserId(click.getUserId())
                        .setItemId(click.getItemId())
                        .setEventTimeMs(click.getEventTime().toEpochMilli())
                        .setOrigin(raw)
                        .build());
    }

    /**
     * Why a decoded click breaks a rule at processing time {@code nowMs}, or null if it does not.
     */
    static String problem(ClickEvent click, long nowMs) {
        if (click.getEventId().isBlank()) {
            return "event_id is blank";
        }
        String badId = idProblem("event_id", click.getEventId());
        if (badId != null) {
            return badId; // the event_id itself is not repeated: it is what is wrong
        }
        for (String[] id :
                new String[][] {{"user_id", click.getUserId()}, {"item_id", click.getItemId()}}) {
            badId = idProblem(id[0], id[1]);
            if (badId != null) {
                return badId + " (event " + click.getEventId() + ")";
            }
        }
        if (click.getEventTime().toEpochMilli() > nowMs + MAX_AHEAD.toMillis()) {
            return "event_time %s of event %s is more than %s ahead of the job's clock (%s)"
                    .formatted(
                            click.getEventTime(),
                            click.getEventId(),
                            MAX_AHEAD.toHours() + " h",
                            Instant.ofEpochMilli(nowMs));
        }
        if (click.getUserId().isBlank()) {
            return "user_id is blank (event " + click.getEventId() + ")";
        }
        if (click.getItemId().isBlank()) {
            return "item_id is blank (event " + click.getEventId() + ")";
        }
        Integer rating = click.getRating();
        if (click.getAction() == Action.RATE && rating == null) {
            return "RATE event " + click.getEventId() + " has no rating";
        }
        if (rating != null && (rating < 1 || rating > 5)) {
            return "rating " + rating + " of event " + click.getEventId() + " is outside 1..5";
        }
        return null;
    }

    /** Why an id is unusable (too long, a control character), or null. Blank is checked apart. */
    private static String idProblem(String field, String id) {
        if (id.length() > MAX_ID_LENGTH) {
            return "%s is %d characters long, at most %d are accepted"
                    .formatted(field, id.length(), MAX_ID_LENGTH);
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                return "%s contains the control character U+%04X at position %d"
                        .formatted(field, (int) id.charAt(i), i);
            }
        }
        return null;
    }
}
