package dev.embsum.flink.internal.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.UserEmbedding;
import dev.embsum.avro.state.RefreshRequest;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.junit.jupiter.api.Test;

class TimedRefreshTest {

    @Test
    void tagsEveryResultWithItsRequestsFirstPendingTimeAndForwardsTheLifeCycle() throws Exception {
        Echo echo = new Echo();
        TimedRefresh timed = new TimedRefresh(echo);
        timed.open(DefaultOpenContext.INSTANCE);
        assertThat(echo.opened).isTrue();

        Captured out = new Captured();
        timed.asyncInvoke(request("u1", 3, 1_234), out);
        assertThat(out.results.get()).singleElement().satisfies(t -> {
            assertThat(t.embedding.getUserId()).isEqualTo("u1");
            assertThat(t.embedding.getHistoryVersion()).isEqualTo(3);
            assertThat(t.firstPendingAtMs).isEqualTo(1_234);
        });

        Captured timedOut = new Captured();
        timed.timeout(request("u2", 1, 0), timedOut);
        assertThat(timedOut.results).failsWithin(1, TimeUnit.SECONDS).withThrowableThat()
                .withCauseInstanceOf(TimeoutException.class);

        timed.close();
        assertThat(echo.closed).isTrue();
    }

    private static RefreshRequest request(String user, long version, long firstPendingAtMs) {
        return RefreshRequest.newBuilder().setUserId(user).setHistoryVersion(version).setEntries(List.of())
                .setNextSeq(version).setLastEventTimeMs(0).setFirstPendingAtMs(firstPendingAtMs).build();
    }

    /** Answers each request with an embedding of the same user and version. */
    private static final class Echo extends RichAsyncFunction<RefreshRequest, UserEmbedding> {
        boolean opened;
        boolean closed;

        @Override
        public void open(OpenContext openContext) {
            opened = true;
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public void asyncInvoke(RefreshRequest r, ResultFuture<UserEmbedding> result) {
            result.complete(List.of(UserEmbedding.newBuilder().setUserId(r.getUserId()).setModelVersion("m")
                    .setHistoryVersion(r.getHistoryVersion()).setM(1).setD(1).setUpe(ByteBuffer.allocate(4))
                    .setSummary(null).setHistoryItemIds(List.of()).setLastEventTime(Instant.EPOCH)
                    .setComputedAt(Instant.EPOCH).build()));
        }
    }

    private static final class Captured implements ResultFuture<TimedEmbedding> {
        final CompletableFuture<List<TimedEmbedding>> results = new CompletableFuture<>();

        @Override
        public void complete(Collection<TimedEmbedding> r) {
            results.complete(new ArrayList<>(r));
        }

        @Override
        public void complete(CollectionSupplier<TimedEmbedding> r) {
            try {
                complete(r.get());
            } catch (Exception e) {
                results.completeExceptionally(e);
            }
        }

        @Override
        public void completeExceptionally(Throwable error) {
            results.completeExceptionally(error);
        }
    }
}
