package dev.embsum.flink.internal.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.UserEmbedding;
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
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class VersionGuardTest {

    @Test
    void neverEmitsAnOlderVersionAfterANewerOnePerUser() throws Exception {
        try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new VersionGuard(Duration.ofDays(1)),
                TimedEmbedding::userId, Types.STRING)) {
            h.processElement(embedding("u1", 2, 0), 0);
            h.processElement(embedding("u1", 1, 0), 0);
            h.processElement(embedding("u2", 1, 0), 0);
            h.processElement(embedding("u1", 2, 0), 0);
            h.processElement(embedding("u1", 3, 0), 0);
            assertThat(h.extractOutputValues()).extracting(e -> e.getUserId() + "@" + e.getHistoryVersion())
                    .containsExactly("u1@2", "u2@1", "u1@2", "u1@3");
        }
    }

    @Test
    void measuresClickToEmitLatencyOfEmittedRefreshesOnly() throws Exception {
        InterceptedMetrics metrics = new InterceptedMetrics();
        try (var env = metrics.environment();
                var h = new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new VersionGuard(Duration.ofDays(1))),
                        TimedEmbedding::userId, Types.STRING, env)) {
            h.open();
            h.setProcessingTime(10_000);
            h.processElement(embedding("u1", 2, 9_000), 0); // 1000 ms
            h.setProcessingTime(10_500);
            h.processElement(embedding("u2", 1, 10_200), 0); // 300 ms
            h.processElement(embedding("u1", 1, 9_900), 0); // stale: dropped, not measured

            Histogram latency = (Histogram) metrics.operator.get("refreshLatencyMs");
            assertThat(latency.getCount()).isEqualTo(2);
            assertThat(latency.getStatistics().getMin()).isEqualTo(300);
            assertThat(latency.getStatistics().getMax()).isEqualTo(1_000);
            assertThat(((Gauge<?>) metrics.operator.get("refreshLatencyLastMs")).getValue()).isEqualTo(300L);
            assertThat(((org.apache.flink.metrics.Counter) metrics.operator.get("embeddingsStaleDropped")).getCount())
                    .isEqualTo(1);
        }
    }

    @Test
    void timedEmbeddingIsAFlinkPojoNotAGenericType() {
        // A generic (Kryo) type would still work but slowly and without schema checks.
        assertThat(TypeInformation.of(TimedEmbedding.class)).isInstanceOf(PojoTypeInfo.class);
    }

    private static TimedEmbedding embedding(String user, long version, long firstPendingAtMs) {
        return new TimedEmbedding(UserEmbedding.newBuilder().setUserId(user).setModelVersion("m")
                .setHistoryVersion(version).setM(1).setD(1).setUpe(ByteBuffer.allocate(4)).setSummary(null)
                .setHistoryItemIds(List.of("A")).setLastEventTime(Instant.EPOCH).setComputedAt(Instant.EPOCH)
                .build(), firstPendingAtMs);
    }
}
