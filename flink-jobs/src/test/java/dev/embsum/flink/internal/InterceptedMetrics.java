package dev.embsum.flink.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;

/**
 * A test harness environment whose operator metric group keeps what the operator registers, so
 * operator tests can read their counters, gauges and histograms: top-level metrics by name ({@code
 * operator.get("name")}), metrics of sub-groups by their path ({@link #grouped}).
 */
public final class InterceptedMetrics {

    private final Map<String, Metric> grouped = new ConcurrentHashMap<>();

    public final InterceptingOperatorMetricGroup operator =
            new InterceptingOperatorMetricGroup() {
                @Override
                public MetricGroup addGroup(String name) {
                    return new Grouped(name);
                }

                @Override
                public MetricGroup addGroup(String key, String value) {
                    return new Grouped(key + "." + value);
                }
            };

    /** The count of the operator's counter {@code name}. */
    public long counter(String name) {
        return ((Counter) operator.get(name)).getCount();
    }

    /** The value of the operator's gauge {@code name}. */
    public Object gauge(String name) {
        return ((Gauge<?>) operator.get(name)).getValue();
    }

    /**
     * A metric of a sub-group: {@code "group.name"}, or {@code "key.value.name"} for a key-value
     * group.
     */
    public Metric grouped(String path) {
        return grouped.get(path);
    }

    /** An environment for a harness; close it after the harness. */
    public MockEnvironment environment() {
        InterceptingTaskMetricGroup task =
                new InterceptingTaskMetricGroup() {
                    @Override
                    public InternalOperatorMetricGroup getOrAddOperator(String name) {
                        return operator;
                    }

                    @Override
                    public InternalOperatorMetricGroup getOrAddOperator(
                            OperatorID id, String name, Map<String, String> additionalVariables) {
                        return operator;
                    }
                };
        return new MockEnvironmentBuilder().setMetricGroup(task).build();
    }

    /** A sub-group whose metrics are kept under its path. */
    private final class Grouped extends InterceptingOperatorMetricGroup {
        private final String path;

        Grouped(String path) {
            this.path = path;
        }

        @Override
        protected void addMetric(String name, Metric metric) {
            grouped.put(path + "." + name, metric);
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new Grouped(path + "." + name);
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new Grouped(path + "." + key + "." + value);
        }
    }
}
