package dev.embsum.flink.internal.archive;

import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.DeadLetters;
import dev.embsum.serde.SingleObjectCodec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Topic bytes → the Avro record to archive. The archive keeps what producers sent, so only
 * undecodable bytes are refused (dead letter MALFORMED, bytes kept); a decodable record that the
 * streaming job would reject as INVALID is still archived — the trainer applies its own rules. A
 * tombstone (null value, a compacted topic's delete marker) is not an event: skipped, counted.
 */
public final class DecodeForArchive<T extends SpecificRecord>
        extends ProcessFunction<RawRecord, T> {

    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final String job;
    private transient SingleObjectCodec<T> codec;
    private transient Counter archived;
    private transient Counter malformed;
    private transient Counter tombstones;

    /**
     * @param job the name written to DeadLetter.job
     */
    public DecodeForArchive(Class<T> type, String job) {
        this.type = type;
        this.job = job;
    }

    @Override
    public void open(OpenContext openContext) {
        codec = SingleObjectCodec.forClass(type);
        var metrics = getRuntimeContext().getMetricGroup();
        archived = metrics.counter("recordsArchived");
        malformed = metrics.counter("recordsMalformed");
        tombstones = metrics.counter("tombstonesSkipped");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<T> out) {
        if (raw.getValue() == null) {
            tombstones.inc();
            return;
        }
        T record = DeadLetters.decodeOrSend(codec, raw, ctx, job);
        if (record == null) {
            malformed.inc();
            return;
        }
        archived.inc();
        out.collect(record);
    }
}
