package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.testing.EmbSumMiniCluster;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upgrade through a savepoint (issue 8): the job is stopped with a savepoint mid-stream, and a
 * changed version of it (one more operator on the click path with a new uid, a different {@code
 * inference.max-batch}) starts from that savepoint and reads the rest of the clicks → every user's
 * final embedding equals the oracle over all their clicks, i.e. the histories of the first half
 * survived the upgrade.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@EmbSumMiniCluster
class EmbSumSavepointTest {

    @TempDir static Path checkpoints;
    @TempDir static Path savepoints;

    @Test
    void aChangedJobRestoredFromASavepointKeepsEveryUsersHistory() throws Exception {
        MindSample mind = MindSample.load(100, 20);
        List<ClickEvent> clicks = mind.roundRobinClicks();
        List<RawRecord> content = mind.contentRecords();
        int half = clicks.size() / 2;
        try (JobFixture job = new JobFixture("savepoint")) {
            // Version 1: stops before the second half and stays running (idle) there.
            String savepoint =
                    job.runFirstHalfAndStopWithSavepoint(
                            "embsum v1", content, clicks, half, checkpoints, savepoints);
            int embeddingsOfV1 = job.users.results().size();

            // Version 2: a new pass-through operator, a smaller batch; the same uids otherwise. Its
            // click source must resume at the savepoint's position, not replay from the start
            // (which would rebuild the histories without the savepoint).
            Configuration conf = JobFixture.flinkConfiguration(checkpoints);
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            JobFixture.run(
                    new EmbSumJob(
                            JobFixture.config().set(EmbSumOptions.INFERENCE_MAX_BATCH, 8),
                            JobFixture.sources(
                                    content,
                                    mind.clickRecords(),
                                    ReplayGate.resumesAt(half, "v2"),
                                    s ->
                                            s.map(r -> r)
                                                    .returns(RawRecord.class)
                                                    .uid("test-clicks-audit-v2")
                                                    .name("pass-through (v2 only)")),
                            job.sinks()),
                    JobFixture.environment(conf));

            assertThat(job.users.results())
                    .as("version 2 emitted")
                    .hasSizeGreaterThan(embeddingsOfV1);
            assertThat(job.contents.results())
                    .as("content embedded once: v2 restored the item state")
                    .hasSize(content.size());
            JobFixture.assertEveryUserMatchesTheOracle(
                    mind.clicksByUser, mind.items, job.lastEmbeddingPerUser());
        }
    }
}
