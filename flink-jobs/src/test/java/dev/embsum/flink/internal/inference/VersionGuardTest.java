package dev.embsum.flink.internal.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.UserEmbedding;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class VersionGuardTest {

    @Test
    void neverEmitsAnOlderVersionAfterANewerOnePerUser() throws Exception {
        try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new VersionGuard(Duration.ofDays(1)),
                UserEmbedding::getUserId, Types.STRING)) {
            h.processElement(embedding("u1", 2), 0);
            h.processElement(embedding("u1", 1), 0);
            h.processElement(embedding("u2", 1), 0);
            h.processElement(embedding("u1", 2), 0);
            h.processElement(embedding("u1", 3), 0);
            assertThat(h.extractOutputValues()).extracting(e -> e.getUserId() + "@" + e.getHistoryVersion())
                    .containsExactly("u1@2", "u2@1", "u1@2", "u1@3");
        }
    }

    private static UserEmbedding embedding(String user, long version) {
        return UserEmbedding.newBuilder().setUserId(user).setModelVersion("m").setHistoryVersion(version)
                .setM(1).setD(1).setUpe(ByteBuffer.allocate(4)).setSummary(null).setHistoryItemIds(List.of("A"))
                .setLastEventTime(Instant.EPOCH).setComputedAt(Instant.EPOCH).build();
    }
}
