package dev.embsum.flink.internal.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {

    @Test
    void fullBatchesCloseAtMaxBatchAndResultsMatchTheirRequests() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        try (var batcher =
                new MicroBatcher<Integer, String>(
                        "t",
                        4,
                        Duration.ofSeconds(10),
                        batch -> {
                            sizes.add(batch.size());
                            return batch.stream().map(i -> "r" + i).toList();
                        })) {
            List<CompletableFuture<String>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(batcher.submit(i));
            }
            for (int i = 0; i < 8; i++) {
                assertThat(results.get(i).get(5, TimeUnit.SECONDS)).isEqualTo("r" + i);
            }
            assertThat(sizes).allSatisfy(s -> assertThat(s).isLessThanOrEqualTo(4));
            assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(8);
        }
    }

    @Test
    void aPartialBatchRunsAfterMaxWait() throws Exception {
        try (var batcher =
                new MicroBatcher<Integer, Integer>(
                        "t", 100, Duration.ofMillis(30), batch -> batch)) {
            long start = System.nanoTime();
            assertThat(batcher.submit(7).get(5, TimeUnit.SECONDS)).isEqualTo(7);
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(25));
        }
    }

    @Test
    void aFailedBatchFailsItsRequestsAndTheNextBatchStillRuns() throws Exception {
        try (var batcher =
                new MicroBatcher<Integer, Integer>(
                        "t",
                        1,
                        Duration.ofMillis(1),
                        batch -> {
                            if (batch.get(0) < 0) {
                                throw new IllegalStateException("model failed");
                            }
                            return batch;
                        })) {
            assertThatThrownBy(() -> batcher.submit(-1).get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("model failed");
            assertThat(batcher.submit(1).get(5, TimeUnit.SECONDS)).isEqualTo(1);
        }
    }

    @Test
    void submitAfterCloseFails() throws Exception {
        var batcher =
                new MicroBatcher<Integer, Integer>("t", 1, Duration.ofMillis(1), batch -> batch);
        batcher.close();
        assertThat(batcher.submit(1)).isCompletedExceptionally();
    }

    @Test
    void anActionRunsAfterTheRequestsBeforeItAndBeforeTheRequestsAfterItNeverInsideABatch()
            throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        try (var batcher =
                new MicroBatcher<Integer, Integer>(
                        "t",
                        100,
                        Duration.ofMillis(300),
                        batch -> {
                            events.add("batch" + batch);
                            return batch;
                        })) {
            long start = System.nanoTime();
            CompletableFuture<Integer> one = batcher.submit(1);
            CompletableFuture<Integer> two = batcher.submit(2);
            CompletableFuture<Void> action = batcher.runBetweenBatches(() -> events.add("action"));
            CompletableFuture<Integer> three = batcher.submit(3);
            action.get(5, TimeUnit.SECONDS);
            // the action closed the first batch: it did not wait for max-wait to fill it
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(Duration.ofMillis(250));
            assertThat(one).isCompletedWithValue(1);
            assertThat(two).isCompletedWithValue(2);
            assertThat(three.get(5, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(events).containsExactly("batch[1, 2]", "action", "batch[3]");
        }
    }

    @Test
    void aFailedActionFailsOnlyItsOwnFuture() throws Exception {
        try (var batcher =
                new MicroBatcher<Integer, Integer>("t", 10, Duration.ofMillis(1), batch -> batch)) {
            CompletableFuture<Void> action =
                    batcher.runBetweenBatches(
                            () -> {
                                throw new IllegalStateException("load failed");
                            });
            assertThatThrownBy(() -> action.get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("load failed");
            assertThat(batcher.submit(4).get(5, TimeUnit.SECONDS)).isEqualTo(4);
        }
    }
}
