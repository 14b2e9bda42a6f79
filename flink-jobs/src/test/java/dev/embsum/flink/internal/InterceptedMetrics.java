package dev.embsum.flink.internal;

import java.util.Map;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;

/**
 * A test harness environment whose operator metric group keeps what the operator registers
 * (top-level metrics only; sub-groups are not intercepted), so operator tests can read their
 * counters, gauges and histograms.
 */
public final class InterceptedMetrics {

    public final InterceptingOperatorMetricGroup operator = new InterceptingOperatorMetricGroup();

    /** An environment for a harness; close it after the harness. */
    public MockEnvironment environment() {
        InterceptingTaskMetricGroup task = new InterceptingTaskMetricGroup() {
            @Override
            public InternalOperatorMetricGroup getOrAddOperator(String name) {
                return operator;
            }

            @Override
            public InternalOperatorMetricGroup getOrAddOperator(OperatorID id, String name,
                    Map<String, String> additionalVariables) {
                return operator;
            }
        };
        return new MockEnvironmentBuilder().setMetricGroup(task).build();
    }
}
