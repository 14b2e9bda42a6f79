package dev.embsum.flink.internal;

import dev.embsum.avro.state.RawRecord;
import dev.embsum.serde.DeadLetterKinds;
import dev.embsum.serde.MalformedRecordException;
import dev.embsum.serde.SingleObjectCodec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The first operator on a topic's undecoded records: decodes each value as a {@code T} and sends
 * what does not decode to dead letters as MALFORMED, its bytes kept, so a bad record never fails
 * the job. Subclasses {@link #process} the decoded records.
 *
 * <p>A tombstone (null value) is either skipped and counted, where the topic may carry them (a
 * compacted topic's delete marker), or malformed like any other value that does not decode.
 */
public abstract class DecodingFunction<T extends SpecificRecord, OUT>
        extends ProcessFunction<RawRecord, OUT> {

    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final String job;
    private final String malformedMetric;
    private final String tombstoneMetric;
    private transient SingleObjectCodec<T> codec;
    private transient Counter malformed;
    private transient Counter tombstones;

    /**
     * @param job the name written to DeadLetter.job
     * @param malformedMetric the counter of malformed records, or null for none
     * @param tombstoneMetric the counter of skipped tombstones, or null to treat a tombstone as
     *     malformed
     */
    protected DecodingFunction(
            Class<T> type, String job, String malformedMetric, String tombstoneMetric) {
        this.type = type;
        this.job = job;
        this.malformedMetric = malformedMetric;
        this.tombstoneMetric = tombstoneMetric;
    }

    /** Decodes and dead-letters; subclasses that override it call it first. */
    @Override
    public void open(OpenContext openContext) throws Exception {
        codec = SingleObjectCodec.forClass(type);
        var metrics = getRuntimeContext().getMetricGroup();
        malformed = malformedMetric == null ? null : metrics.counter(malformedMetric);
        tombstones = tombstoneMetric == null ? null : metrics.counter(tombstoneMetric);
    }

    @Override
    public final void processElement(RawRecord raw, Context ctx, Collector<OUT> out)
            throws Exception {
        if (raw.getValue() == null && tombstones != null) {
            tombstones.inc();
            return;
        }
        T record;
        try {
            record = codec.decode(RawRecords.value(raw));
        } catch (MalformedRecordException e) {
            if (malformed != null) {
                malformed.inc();
            }
            deadLetter(raw, DeadLetterKinds.MALFORMED, e.getMessage(), ctx);
            return;
        }
        process(record, raw, ctx, out);
    }

    /** One decoded record; {@code raw} is where it came from, for dead letters. */
    protected abstract void process(T record, RawRecord raw, Context ctx, Collector<OUT> out)
            throws Exception;

    /** Gives up on {@code raw}: a dead letter of {@code kind}, its bytes kept. */
    protected final void deadLetter(RawRecord raw, String kind, String message, Context ctx) {
        DeadLetters.send(ctx, raw, kind, message, job);
    }
}
