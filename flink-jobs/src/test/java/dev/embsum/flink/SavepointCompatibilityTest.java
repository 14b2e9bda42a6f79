package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.ClickEvent;
import dev.embsum.flink.testing.EmbSumMiniCluster;
import dev.embsum.runtime.TestFiles;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A savepoint written by an earlier version of the job, committed under {@code
 * src/test/resources/savepoints/}, restores into today's job: operator uids, state names and state
 * serializers (Avro schemas of {@code dev.embsum.avro.state}) are a compatibility contract with
 * every running deployment, and a refactoring that renames an operator, moves a state class or
 * changes a serializer breaks this test instead of a production upgrade.
 *
 * <p>The committed savepoint {@code before-issue-14} was taken by the job as of commit 76a5e1d
 * (before the configuration, module and package reshaping of issue 14): 20 MIND users, the first
 * half of their clicks (round robin), stopped with a canonical savepoint. Today's job restores it
 * and reads the second half; every user must then equal the oracle over all of their clicks, and no
 * item is embedded again (the item state came through).
 *
 * <p>To add a savepoint of the current version (before a change that must stay compatible): {@code
 * mvn -pl flink-jobs test -Dtest=SavepointCompatibilityTest -Dembsum.savepoint.write=<name>}, then
 * commit {@code src/test/resources/savepoints/<name>}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@EmbSumMiniCluster
class SavepointCompatibilityTest {

    private static final int USERS = 20;
    private static final int MAX_HISTORY = 20;
    private static final Path SAVEPOINTS =
            Paths.get(System.getProperty("embsum.root", ".."))
                    .resolve("flink-jobs/src/test/resources/savepoints");

    @TempDir static Path checkpoints;
    @TempDir static Path written;

    @Test
    void theSavepointOfTheJobBeforeIssue14RestoresIntoTodaysJob() throws Exception {
        restoresAndMatchesTheOracle(SAVEPOINTS.resolve("before-issue-14"));
    }

    private void restoresAndMatchesTheOracle(Path savepointDir) throws Exception {
        assertThat(savepointDir.resolve("_metadata")).as("committed savepoint").exists();
        MindSample mind = MindSample.load(USERS, MAX_HISTORY);
        List<ClickEvent> clicks = mind.roundRobinClicks();
        int half = clicks.size() / 2;
        try (JobFixture job = new JobFixture("savepoint-compat")) {
            Configuration conf = JobFixture.flinkConfiguration(checkpoints);
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepointDir.toUri().toString());
            JobFixture.run(
                    new EmbSumJob(
                            JobFixture.config(),
                            JobFixture.sources(
                                    mind.contentRecords(),
                                    mind.clickRecords(),
                                    ReplayGate.resumesAt(half, "the restored job")),
                            job.sinks()),
                    JobFixture.environment(conf));

            assertThat(job.contents.results())
                    .as("no item embedded again: the item state was restored")
                    .isEmpty();
            // Users with clicks after the savepoint get a new embedding, which must cover all of
            // their clicks: the first half came from the restored history state.
            Map<String, List<ClickEvent>> clickedAfterTheSavepoint = new LinkedHashMap<>();
            clicks.subList(half, clicks.size())
                    .forEach(
                            c ->
                                    clickedAfterTheSavepoint.put(
                                            c.getUserId(), mind.clicksByUser.get(c.getUserId())));
            assertThat(clickedAfterTheSavepoint)
                    .as("users with clicks on both sides of the savepoint")
                    .hasSizeGreaterThan(5);
            JobFixture.assertEveryUserMatchesTheOracle(
                    clickedAfterTheSavepoint, mind.items, job.lastEmbeddingPerUser());
        }
    }

    /**
     * Writes a savepoint of this version after the first half of the clicks (see the class
     * comment).
     */
    @Test
    @EnabledIfSystemProperty(named = "embsum.savepoint.write", matches = ".+")
    void writeASavepointOfThisVersion() throws Exception {
        Path target = SAVEPOINTS.resolve(System.getProperty("embsum.savepoint.write"));
        assertThat(target).as("savepoint to write").doesNotExist();
        MindSample mind = MindSample.load(USERS, MAX_HISTORY);
        List<ClickEvent> clicks = mind.roundRobinClicks();
        int half = clicks.size() / 2;
        try (JobFixture job = new JobFixture("savepoint-write")) {
            String location =
                    job.runFirstHalfAndStopWithSavepoint(
                            "embsum savepoint writer",
                            mind.contentRecords(),
                            clicks,
                            half,
                            checkpoints,
                            written);
            Path savepoint =
                    location.startsWith("file:")
                            ? Paths.get(java.net.URI.create(location))
                            : Paths.get(location);
            TestFiles.copyTree(savepoint, target);
        }
    }
}
