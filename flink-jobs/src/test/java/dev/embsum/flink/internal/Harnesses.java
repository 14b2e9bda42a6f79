package dev.embsum.flink.internal;

import dev.embsum.avro.DeadLetter;
import java.util.List;
import java.util.Queue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;

/** The operator tests' harness set-up: start (or restore) a harness, read its dead letters. */
public final class Harnesses {

    private Harnesses() {}

    /**
     * Sets {@code h} up, restores {@code restore} into it (null: empty state, a fresh start) and
     * opens it.
     */
    public static <H extends AbstractStreamOperatorTestHarness<?>> H open(
            H h, OperatorSubtaskState restore) throws Exception {
        h.setup();
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    /** A harness, not yet opened, for a function keyed by a string (user or item id). */
    public static <IN, OUT> KeyedOneInputStreamOperatorTestHarness<String, IN, OUT> keyed(
            KeyedProcessFunction<String, IN, OUT> function,
            KeySelector<IN, String> key,
            MockEnvironment env)
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(function), key, Types.STRING, env);
    }

    /** The dead letters {@code h}'s operator sent so far, in order. */
    public static List<DeadLetter> deadLetters(AbstractStreamOperatorTestHarness<?> h) {
        return sideOutput(h, DeadLetters.TAG);
    }

    /** What {@code h}'s operator sent to the side output {@code tag} so far, in order. */
    public static <T> List<T> sideOutput(AbstractStreamOperatorTestHarness<?> h, OutputTag<T> tag) {
        Queue<StreamRecord<T>> sent = h.getSideOutput(tag);
        return sent == null ? List.of() : sent.stream().map(StreamRecord::getValue).toList();
    }

    /**
     * A harness on an environment whose metrics the test reads ({@link InterceptedMetrics});
     * closing it closes the environment too. Tests extend it with what they read from it.
     */
    public static class Metered<H extends AbstractStreamOperatorTestHarness<?>>
            implements AutoCloseable {

        /** Builds a harness on a given environment. */
        @FunctionalInterface
        public interface OnEnvironment<H> {
            H harness(MockEnvironment env) throws Exception;
        }

        public final InterceptedMetrics metrics = new InterceptedMetrics();
        private final MockEnvironment env = metrics.environment();
        public final H h;

        /** The harness {@code on} builds, started as {@link #open} does. */
        public Metered(OnEnvironment<H> on, OperatorSubtaskState restore) throws Exception {
            h = open(on.harness(env), restore);
        }

        public long counter(String name) {
            return metrics.counter(name);
        }

        public Object gauge(String name) {
            return metrics.gauge(name);
        }

        @Override
        public void close() throws Exception {
            h.close();
            env.close();
        }
    }
}
