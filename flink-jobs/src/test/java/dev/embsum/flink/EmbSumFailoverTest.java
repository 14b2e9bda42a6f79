package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.ClickEvent;
import dev.embsum.flink.testing.EmbSumMiniCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover (docs/design.md 7): a task fails mid-stream, after a checkpoint that holds half of the
 * clicks has completed; Flink restarts the job from that checkpoint (RocksDB state, source
 * position) → every user's final embedding still equals the oracle: no click lost, none counted
 * twice (a replayed click would raise history_version), no user missing.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@EmbSumMiniCluster
class EmbSumFailoverTest {

    @TempDir static Path checkpoints;

    @Test
    void afterAFailureMidStreamEveryUserStillEndsAtTheOracle() throws Exception {
        MindSample mind = MindSample.load(100, 20);
        List<ClickEvent> clicks = mind.roundRobinClicks();
        int half = clicks.size() / 2;
        int failAt = clicks.size() * 3 / 4;
        String run = "failover-" + System.nanoTime();

        try (JobFixture job = new JobFixture("failover")) {
            // The second half waits for a checkpoint taken at or after the middle, so the
            // failure at 3/4 restores mid-stream rather than from the start; after the failure the
            // source must resume there (a replay from the start would rebuild every history).
            ReplayGate resumesMidStream =
                    (next, atEnd, checkpointed) -> {
                        if (FailOnce.failed(run) && next < half) {
                            throw new IllegalStateException(
                                    "the restarted job replays click "
                                            + next
                                            + ": it did not restore the checkpoint taken at or after "
                                            + half);
                        }
                        return true;
                    };
            ReplayGate gate =
                    job.afterContent(mind.items.size())
                            .and(ReplayGate.checkpointAt(half))
                            .and(resumesMidStream);
            JobSources sources =
                    JobFixture.sources(
                            mind.contentRecords(),
                            mind.clickRecords(),
                            gate,
                            s ->
                                    s.map(FailOnce.atRecord(run, failAt))
                                            .uid("test-fail-once")
                                            .name("fail once (test)"));
            Configuration conf = JobFixture.flinkConfiguration(checkpoints);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
            conf.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                    Duration.ofMillis(200));

            JobFixture.run(
                    new EmbSumJob(JobFixture.config(), sources, job.sinks()),
                    JobFixture.environment(conf));

            assertThat(FailOnce.failed(run)).as("the failure was injected").isTrue();
            // Restored from a checkpoint taken after the catalogue was in state: no item embedded
            // twice.
            assertThat(job.contents.results()).as("content embeddings").hasSize(mind.items.size());
            assertThat(job.users.collected())
                    .as("embeddings after the restart")
                    .anySatisfy(c -> assertThat(c.attempt()).isPositive());
            JobFixture.assertEveryUserMatchesTheOracle(
                    mind.clicksByUser, mind.items, job.lastEmbeddingPerUser());
        }
    }
}
