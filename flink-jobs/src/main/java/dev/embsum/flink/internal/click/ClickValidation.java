package dev.embsum.flink.internal.click;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.avro.state.ValidClick;
import dev.embsum.flink.internal.DecodingFunction;
import dev.embsum.serde.DeadLetterKinds;
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
 *   <li>decoded but breaking a rule (blank ids, a RATE without a rating, a rating outside 1..5) →
 *       dead letter INVALID;
 *   <li>a RATE with rating ≤ 3 is valid but not an engagement (docs/design.md 3): dropped and
 *       counted, not dead-lettered;
 *   <li>everything else (a CLICK, or a RATE with rating &gt; 3) is emitted.
 * </ul>
 *
 * A CLICK's rating is optional; when present it must still be in 1..5.
 */
public final class ClickValidation extends DecodingFunction<ClickEvent, ValidClick> {

    private static final long serialVersionUID = 1L;

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
        String problem = problem(click);
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

    /** Why a decoded click breaks a rule, or null if it does not. */
    static String problem(ClickEvent click) {
        if (click.getEventId().isBlank()) {
            return "event_id is blank";
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
}
