package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.flink.internal.ordering.VersionGuard;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.groups.OperatorMetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;

/** The metrics of a job run on the test MiniCluster, as an {@link InMemoryReporter} kept them. */
final class JobMetrics {

    private JobMetrics() {}

    /**
     * Every subtask's metrics of the operator of job {@code jobId} whose name starts with {@code
     * operatorName}.
     */
    static List<Map<String, Metric>> operatorMetrics(
            InMemoryReporter reporter, JobID jobId, String operatorName) {
        List<Map<String, Metric>> out = new ArrayList<>();
        for (OperatorMetricGroup group :
                reporter.findOperatorMetricGroups(jobId, "^" + operatorName)) {
            out.add(reporter.getMetricsByGroup(group));
        }
        return out;
    }

    /** The one metric of job {@code jobId} whose identifier matches {@code identifierPattern}. */
    static Metric metric(InMemoryReporter reporter, JobID jobId, String identifierPattern) {
        Map<String, Metric> found = reporter.findMetrics(jobId, identifierPattern);
        assertThat(found).as("metrics matching %s", identifierPattern).hasSize(1);
        return found.values().iterator().next();
    }

    /** A counter's or long gauge's value in every subtask of the operator. */
    static List<Long> perSubtask(
            InMemoryReporter reporter, JobID job, String operatorName, String metric) {
        return operatorMetrics(reporter, job, operatorName).stream()
                .map(m -> value(m.get(metric)))
                .toList();
    }

    /** The metric summed over the subtasks that registered it so far; 0 while the job starts. */
    static long sum(InMemoryReporter reporter, JobID job, String operatorName, String metric) {
        try {
            return operatorMetrics(reporter, job, operatorName).stream()
                    .map(m -> m.get(metric))
                    .filter(m -> m != null)
                    .mapToLong(JobMetrics::value)
                    .sum();
        } catch (RuntimeException e) { // the reporter's maps change while the job starts
            return 0;
        }
    }

    /** A counter's count or a long gauge's value. */
    static long value(Metric metric) {
        assertThat(metric).isNotNull();
        return metric instanceof Counter c ? c.getCount() : (Long) ((Gauge<?>) metric).getValue();
    }

    /** The version guard's {@code usersOnModel} gauges summed over subtasks, by model_version. */
    static Map<String, Long> usersOnModel(InMemoryReporter reporter, JobID job) {
        Map<String, Long> out = new HashMap<>();
        String suffix = "." + VersionGuard.USERS_ON_MODEL;
        String group = "." + VersionGuard.MODEL_VERSION_GROUP + ".";
        reporter.findMetrics(
                        job,
                        "\\."
                                + VersionGuard.MODEL_VERSION_GROUP
                                + "\\..*\\."
                                + VersionGuard.USERS_ON_MODEL
                                + "$")
                .forEach(
                        (identifier, metric) -> {
                            String scope =
                                    identifier.substring(0, identifier.length() - suffix.length());
                            String version = scope.substring(scope.indexOf(group) + group.length());
                            out.merge(version, value(metric), Long::sum);
                        });
        return out;
    }
}
