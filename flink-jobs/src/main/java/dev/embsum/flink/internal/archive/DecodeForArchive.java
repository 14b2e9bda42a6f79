package dev.embsum.flink.internal.archive;

import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.DecodingFunction;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;

/**
 * Topic bytes → the Avro record to archive. The archive keeps what producers sent, so only
 * undecodable bytes are refused (dead letter MALFORMED, bytes kept); a decodable record that the
 * streaming job would reject as INVALID is still archived — the trainer applies its own rules. A
 * tombstone (null value, a compacted topic's delete marker) is not an event: skipped, counted.
 */
public final class DecodeForArchive<T extends SpecificRecord> extends DecodingFunction<T, T> {

    private static final long serialVersionUID = 1L;

    private transient Counter archived;

    /**
     * @param job the name written to DeadLetter.job
     */
    public DecodeForArchive(Class<T> type, String job) {
        super(type, job, "recordsMalformed", "tombstonesSkipped");
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        super.open(openContext);
        archived = getRuntimeContext().getMetricGroup().counter("recordsArchived");
    }

    @Override
    protected void process(T record, RawRecord raw, Context ctx, Collector<T> out) {
        archived.inc();
        out.collect(record);
    }
}
