package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.Impression;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.RawRecords;
import dev.embsum.flink.internal.archive.EventDateBucketAssigner;
import dev.embsum.flink.testing.EmbSumMiniCluster;
import dev.embsum.replay.MindReplay;
import dev.embsum.serde.DeadLetterKinds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive job on a MiniCluster (parallelism 2, RocksDB, checkpoints): the MIND sample's clicks,
 * impressions and content, with undecodable records mixed in, land in Avro container files
 * partitioned by event day, each record exactly once — also across a failure — and the undecodable
 * ones in dead-letters.
 */
@EmbSumMiniCluster(slots = 2)
class ArchiveJobTest {

    private static final int USERS = 40;

    private static MindReplay mind;

    @TempDir Path archive;

    @BeforeAll
    static void loadMind() throws IOException {
        mind =
                MindReplay.load(
                        Paths.get(System.getProperty("embsum.root", "..")).resolve("data/mind"),
                        USERS);
    }

    @Test
    void everyRecordLandsOnceInItsEventDayAndBadBytesAreDeadLettered() throws Exception {
        String run = "archive-" + System.nanoTime();
        CollectingSink<DeadLetter> dead = new CollectingSink<>(run + "-dead");
        Inputs in = new Inputs(false, run);
        in.clicks.add(RawRecords.unpositioned("clicks", "u", new byte[] {1, 2, 3}));
        in.impressions.add(RawRecords.unpositioned("impressions", "u", new byte[0]));
        in.content.add(RawRecords.unpositioned("content", "N1", "not avro".getBytes()));
        in.content.add(
                RawRecords.unpositioned("content", "N2", null)); // tombstone: skipped, not dead

        run(in, dead, "none");

        assertEveryEventArchivedOnce();
        assertThat(dead.results())
                .hasSize(3)
                .allSatisfy(d -> assertThat(d.getErrorKind()).isEqualTo(DeadLetterKinds.MALFORMED))
                .extracting(DeadLetter::getSourceTopic)
                .containsExactlyInAnyOrder("clicks", "impressions", "content");
        // the MIND sample spans several days, so the split by day is really exercised
        try (Stream<Path> days = Files.list(archive.resolve("clicks"))) {
            assertThat(days.count()).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void aFailureAfterACheckpointNeitherLosesNorDuplicatesRecords() throws Exception {
        String run = "archive-failover-" + System.nanoTime();
        CollectingSink<DeadLetter> dead = new CollectingSink<>(run + "-dead");

        run(new Inputs(true, run), dead, "fixed-delay");

        assertThat(FailOnce.failed(run)).as("the injected failure happened").isTrue();
        assertEveryEventArchivedOnce();
        assertThat(dead.results()).isEmpty();
    }

    private void run(Inputs in, CollectingSink<DeadLetter> dead, String restartStrategy)
            throws Exception {
        Configuration config =
                new Configuration()
                        .set(ArchiveOptions.ARCHIVE_PATH, archive.toUri().toString())
                        .set(CommonOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(200));
        Configuration conf = EmbSumJob.flinkConfiguration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, restartStrategy);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                java.time.Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        new ArchiveJob(config, in, dead).execute(env);
    }

    /** The archive holds every click, impression and item of the replay, once each. */
    private void assertEveryEventArchivedOnce() throws IOException {
        assertArchived("clicks", ClickEvent.class, mind.clicks, ClickEvent::getEventTime);
        assertArchived("impressions", Impression.class, mind.impressions, Impression::getEventTime);
        assertArchived(
                "content",
                ContentItem.class,
                new ArrayList<>(mind.items.values()),
                ContentItem::getUpdatedAt);
    }

    /**
     * The files of one topic hold exactly {@code expected}, each in the folder of its event day.
     */
    private <T extends SpecificRecordBase> void assertArchived(
            String topic, Class<T> type, List<T> expected, Function<T, Instant> eventTime)
            throws IOException {
        List<T> archived = new ArrayList<>();
        try (Stream<Path> files = Files.walk(archive.resolve(topic))) {
            // Hidden files are in-progress parts, also orphans of a failed attempt (Flink leaves
            // those behind); readers skip them, as the trainer does.
            for (Path file :
                    files.filter(Files::isRegularFile)
                            .filter(f -> !f.getFileName().toString().startsWith("."))
                            .toList()) {
                assertThat(file.getFileName().toString()).startsWith("part-").endsWith(".avro");
                try (DataFileReader<T> reader =
                        new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(type))) {
                    for (T record : reader) {
                        assertThat(file.getParent().getFileName().toString())
                                .isEqualTo(
                                        EventDateBucketAssigner.bucketOf(eventTime.apply(record)));
                        archived.add(record);
                    }
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        assertThat(archived)
                .as(topic)
                .hasSize(expected.size())
                .containsExactlyInAnyOrderElementsOf(expected);
    }

    /**
     * The MIND replay as undecoded records; with {@code failOnce}, clicks fail once after a
     * checkpoint.
     */
    private static final class Inputs implements ArchiveSources {
        final List<RawRecord> clicks = new ArrayList<>(JobFixture.clickRecords(mind.clicks));
        final List<RawRecord> impressions =
                new ArrayList<>(
                        JobFixture.records(
                                "impressions",
                                Impression.class,
                                mind.impressions,
                                Impression::getUserId));
        final List<RawRecord> content =
                new ArrayList<>(JobFixture.contentRecords(mind.items.values()));
        final boolean failOnce;
        final String run;

        Inputs(boolean failOnce, String run) {
            this.failOnce = failOnce;
            this.run = run;
        }

        @Override
        public DataStream<RawRecord> clicks(StreamExecutionEnvironment env) {
            if (!failOnce) {
                return JobFixture.stream(env, clicks, "test-clicks");
            }
            // rate-limited like a live topic, so checkpoints complete while clicks still flow
            List<RawRecord> all = clicks;
            DataGeneratorSource<RawRecord> paced =
                    new DataGeneratorSource<>(
                            i -> all.get(i.intValue()),
                            all.size(),
                            RateLimiterStrategy.perSecond(all.size() / 3.0),
                            TypeInformation.of(RawRecord.class));
            return env.fromSource(paced, WatermarkStrategy.noWatermarks(), "paced clicks")
                    .uid("test-clicks")
                    .map(FailOnce.afterACheckpoint(run, all.size() / 8 + 1))
                    .uid("test-fail-once");
        }

        @Override
        public DataStream<RawRecord> impressions(StreamExecutionEnvironment env) {
            return JobFixture.stream(env, impressions, "test-impressions");
        }

        @Override
        public DataStream<RawRecord> content(StreamExecutionEnvironment env) {
            return JobFixture.stream(env, content, "test-content");
        }
    }
}
