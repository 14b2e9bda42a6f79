package dev.embsum.flink.internal;

import java.util.List;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;

/**
 * A keyed broadcast operator harness on a given environment (Flink's {@code
 * KeyedBroadcastOperatorTestHarness} builds its own, so its metrics cannot be read): pass {@link
 * InterceptedMetrics#environment()} to read what the function registers.
 */
public final class MeteredKeyedBroadcastHarness<K, IN1, IN2, OUT>
        extends AbstractStreamOperatorTestHarness<OUT> {

    private final CoBroadcastWithKeyedOperator<K, IN1, IN2, OUT> twoInput;

    public MeteredKeyedBroadcastHarness(
            KeyedBroadcastProcessFunction<K, IN1, IN2, OUT> function,
            KeySelector<IN1, K> keySelector,
            TypeInformation<K> keyType,
            MockEnvironment environment,
            MapStateDescriptor<?, ?>... broadcastStates)
            throws Exception {
        this(
                new CoBroadcastWithKeyedOperator<>(function, List.of(broadcastStates)),
                keySelector,
                keyType,
                environment);
    }

    private MeteredKeyedBroadcastHarness(
            CoBroadcastWithKeyedOperator<K, IN1, IN2, OUT> operator,
            KeySelector<IN1, K> keySelector,
            TypeInformation<K> keyType,
            MockEnvironment environment)
            throws Exception {
        super(operator, environment);
        this.twoInput = operator;
        config.setStatePartitioner(0, keySelector);
        config.setStateKeySerializer(
                keyType.createSerializer(executionConfig.getSerializerConfig()));
        config.serializeAllConfigs();
    }

    public void processElement(IN1 element, long timestamp) throws Exception {
        StreamRecord<IN1> record = new StreamRecord<>(element, timestamp);
        twoInput.setKeyContextElement1(record);
        twoInput.processElement1(record);
    }

    public void processBroadcastElement(IN2 element, long timestamp) throws Exception {
        StreamRecord<IN2> record = new StreamRecord<>(element, timestamp);
        twoInput.setKeyContextElement2(record);
        twoInput.processElement2(record);
    }

    /** The same watermark on both inputs (a two-input operator's is the lower of the two). */
    public void processWatermarkOnBothInputs(long watermark) throws Exception {
        twoInput.processWatermark1(new Watermark(watermark));
        twoInput.processWatermark2(new Watermark(watermark));
    }

    public <KS, V> BroadcastState<KS, V> getBroadcastState(MapStateDescriptor<KS, V> descriptor)
            throws Exception {
        return twoInput.getOperatorStateBackend().getBroadcastState(descriptor);
    }
}
