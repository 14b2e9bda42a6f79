package dev.embsum.flink.internal.ordering;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.UserEmbedding;
import dev.embsum.flink.internal.Harnesses;
import dev.embsum.flink.internal.Harnesses.Metered;
import dev.embsum.flink.internal.InterceptedMetrics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class VersionGuardTest {

    @Test
    void neverEmitsAnOlderVersionAfterANewerOnePerUser() throws Exception {
        try (var h =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                        new VersionGuard(Duration.ofDays(1)),
                        TimedEmbedding::userId,
                        Types.STRING)) {
            h.processElement(embedding("u1", 2, 0), 0);
            h.processElement(embedding("u1", 1, 0), 0);
            h.processElement(embedding("u2", 1, 0), 0);
            h.processElement(embedding("u1", 2, 0), 0);
            h.processElement(embedding("u1", 3, 0), 0);
            assertThat(h.extractOutputValues())
                    .extracting(e -> e.getUserId() + "@" + e.getHistoryVersion())
                    .containsExactly("u1@2", "u2@1", "u1@2", "u1@3");
        }
    }

    @Test
    void measuresClickToEmitLatencyOfEmittedRefreshesOnly() throws Exception {
        try (var g = guard(null)) {
            var h = g.h;
            h.setProcessingTime(10_000);
            h.processElement(embedding("u1", 2, 9_000), 0); // 1000 ms
            h.setProcessingTime(10_500);
            h.processElement(embedding("u2", 1, 10_200), 0); // 300 ms
            h.processElement(embedding("u1", 1, 9_900), 0); // stale: dropped, not measured

            Histogram latency = (Histogram) g.metrics.operator.get("refreshLatencyMs");
            assertThat(latency.getCount()).isEqualTo(2);
            assertThat(latency.getStatistics().getMin()).isEqualTo(300);
            assertThat(latency.getStatistics().getMax()).isEqualTo(1_000);
            assertThat(g.gauge("refreshLatencyLastMs")).isEqualTo(300L);
            assertThat(g.counter("embeddingsStaleDropped")).isEqualTo(1);
        }
    }

    @Test
    void aBackfillByANewModelPassesAtTheSameVersionButAnUnchangedOneIsDropped() throws Exception {
        try (var g = guard(null)) {
            var h = g.h;
            h.setProcessingTime(10_000);
            h.processElement(embedding("u1", 2, "v1", 9_000, false), 0);
            h.processElement(
                    embedding("u1", 2, "v2", 0, true), 0); // the backfill: new model, same history
            h.processElement(
                    embedding("u1", 2, "v2", 0, true),
                    0); // again (e.g. a refused release): dropped
            h.processElement(embedding("u1", 1, "v2", 0, true), 0); // older than emitted: stale
            assertThat(h.extractOutputValues())
                    .extracting(e -> e.getHistoryVersion() + " " + e.getModelVersion())
                    .containsExactly("2 v1", "2 v2");
            assertThat(g.counter("backfillUnchangedDropped")).isEqualTo(1);
            assertThat(g.counter("embeddingsStaleDropped")).isEqualTo(1);
            assertThat(g.counter("embeddingsEmitted")).isEqualTo(2);
            // a backfill has no click to measure from: one latency sample, the refresh's
            assertThat(((Histogram) g.metrics.operator.get("refreshLatencyMs")).getCount())
                    .isEqualTo(1);
        }
    }

    @Test
    void countsUsersPerModelVersionAndForgetsThemWithTheirHistory() throws Exception {
        long day = Duration.ofDays(1).toMillis();
        try (var g = guard(null)) {
            var h = g.h;
            InterceptedMetrics metrics = g.metrics;
            h.setProcessingTime(0);
            h.processElement(embedding("u1", 1, "v1", 0, false), 0);
            h.processElement(embedding("u2", 1, "v1", 0, false), 0);
            h.processElement(embedding("u2", 2, "v1", 0, false), 0);
            h.processElement(embedding("u3", 1, "v1", 0, false), 0);
            assertThat(usersOn(metrics, "v1")).isEqualTo(3L);

            h.setProcessingTime(day / 2);
            h.processElement(embedding("u1", 1, "v2", 0, true), 0); // backfilled
            h.processElement(embedding("u2", 3, "v2", 0, false), 0); // clicked after the release
            assertThat(usersOn(metrics, "v1")).isEqualTo(1L);
            assertThat(usersOn(metrics, "v2")).isEqualTo(2L);

            // a day after their newest click refresh users are forgotten, as their history is; the
            // backfill did not extend u1's day (it did not extend u1's history either)
            h.setProcessingTime(day);
            assertThat(usersOn(metrics, "v1")).isEqualTo(0L);
            assertThat(usersOn(metrics, "v2")).isEqualTo(1L);
            h.setProcessingTime(day + day / 2);
            assertThat(usersOn(metrics, "v2")).isEqualTo(0L);
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void usersPerModelSurviveARestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var g = guard(null)) {
            g.h.processElement(embedding("u1", 1, "v1", 0, false), 0);
            g.h.processElement(embedding("u2", 1, "v1", 0, false), 0);
            g.h.processElement(embedding("u2", 1, "v2", 0, true), 0);
            snapshot = g.h.snapshot(1, 1);
        }
        try (var g = guard(snapshot)) {
            var h = g.h;
            InterceptedMetrics after = g.metrics;
            assertThat(usersOn(after, "v1")).isEqualTo(1L);
            assertThat(usersOn(after, "v2")).isEqualTo(1L);
            h.processElement(embedding("u1", 1, "v2", 0, true), 0);
            assertThat(usersOn(after, "v1")).isEqualTo(0L);
            assertThat(usersOn(after, "v2")).isEqualTo(2L);
        }
    }

    /** A guard with a TTL of a day, its metrics readable. */
    private static Metered<
                    KeyedOneInputStreamOperatorTestHarness<String, TimedEmbedding, UserEmbedding>>
            guard(OperatorSubtaskState restore) throws Exception {
        return new Metered<>(
                env ->
                        Harnesses.keyed(
                                new VersionGuard(Duration.ofDays(1)), TimedEmbedding::userId, env),
                restore);
    }

    private static Object usersOn(InterceptedMetrics metrics, String modelVersion) {
        Gauge<?> gauge =
                (Gauge<?>)
                        metrics.grouped(
                                VersionGuard.MODEL_VERSION_GROUP
                                        + "."
                                        + modelVersion
                                        + "."
                                        + VersionGuard.USERS_ON_MODEL);
        assertThat(gauge).as("usersOnModel gauge of %s", modelVersion).isNotNull();
        return gauge.getValue();
    }

    @Test
    void timedEmbeddingIsAFlinkPojoNotAGenericType() {
        // A generic (Kryo) type would still work but slowly and without schema checks.
        assertThat(TypeInformation.of(TimedEmbedding.class)).isInstanceOf(PojoTypeInfo.class);
    }

    private static TimedEmbedding embedding(String user, long version, long firstPendingAtMs) {
        return embedding(user, version, "m", firstPendingAtMs, false);
    }

    private static TimedEmbedding embedding(
            String user, long version, String model, long firstPendingAtMs, boolean backfill) {
        return new TimedEmbedding(
                UserEmbedding.newBuilder()
                        .setUserId(user)
                        .setModelVersion(model)
                        .setHistoryVersion(version)
                        .setM(1)
                        .setD(1)
                        .setUpe(ByteBuffer.allocate(4))
                        .setSummary(null)
                        .setHistoryItemIds(List.of("A"))
                        .setLastEventTime(Instant.EPOCH)
                        .setComputedAt(Instant.EPOCH)
                        .build(),
                firstPendingAtMs,
                backfill);
    }
}
