package dev.embsum.flink.internal;

import dev.embsum.avro.DeadLetter;
import dev.embsum.serde.DeadLetterKinds;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Passes dead letters through unchanged and counts them by {@code error_kind}: one counter per kind
 * in the metric group {@code deadLetters} (e.g. {@code deadLetters.MALFORMED}), so an alert can
 * tell a producer sending garbage (MALFORMED) from a catalogue lagging behind the clicks
 * (UNKNOWN_ITEM). The known kinds are registered up front, so they report 0 rather than nothing; a
 * kind this class does not know gets its counter when it first appears.
 */
public final class DeadLetterCounter extends RichMapFunction<DeadLetter, DeadLetter> {

    private static final long serialVersionUID = 1L;

    /** The metric group of the per-kind counters. */
    public static final String GROUP = "deadLetters";

    private transient MetricGroup group;
    private transient Map<String, Counter> byKind;

    @Override
    public void open(OpenContext openContext) {
        group = getRuntimeContext().getMetricGroup().addGroup(GROUP);
        byKind = new HashMap<>();
        DeadLetterKinds.ALL.forEach(this::counter);
    }

    @Override
    public DeadLetter map(DeadLetter deadLetter) {
        counter(deadLetter.getErrorKind()).inc();
        return deadLetter;
    }

    private Counter counter(String kind) {
        return byKind.computeIfAbsent(kind, k -> group.counter(k));
    }
}
