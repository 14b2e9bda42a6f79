package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.flink.internal.DeadLetters;
import dev.embsum.flink.internal.RawRecords;
import dev.embsum.runtime.TestBundle;
import dev.embsum.serde.SingleObjectCodec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job on a MiniCluster with RocksDB and the real bundle: ~50 MIND users' clicks →
 * every user's final embedding equals an oracle that replays the same accepted clicks into
 * EngagementHistory + SessionGrouper and calls EmbSumRuntime.refresh directly.
 */
class EmbSumJobTest {

    private static final int SUMMARY_TOKENS = 8;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(1)
                    .build());

    @TempDir
    Path checkpoints;

    @Test
    void everyUsersFinalEmbeddingEqualsTheOracle() throws Exception {
        MindSample mind = MindSample.load(50, 80);
        assertThat(mind.clicksByUser).hasSize(50);
        String firstUser = mind.clicksByUser.keySet().iterator().next();
        String firstItem = mind.clicksByUser.get(firstUser).get(0).getItemId();

        // Round-robin across users (per-user order kept), plus the non-engagements.
        List<ClickEvent> clicks = mind.roundRobinClicks();
        ClickEvent lowRating = rate(firstUser, firstItem, 2, "low");
        ClickEvent highRating = rate(firstUser, firstItem, 5, "high");
        clicks.add(lowRating);
        clicks.add(highRating);

        SingleObjectCodec<ClickEvent> clickCodec = SingleObjectCodec.forClass(ClickEvent.class);
        SingleObjectCodec<ContentItem> itemCodec = SingleObjectCodec.forClass(ContentItem.class);
        List<RawRecord> clickRecords = new ArrayList<>();
        for (ClickEvent c : clicks) {
            clickRecords.add(RawRecords.unpositioned("clicks", c.getUserId(), clickCodec.encode(c)));
        }
        clickRecords.add(RawRecords.unpositioned("clicks", "broken", new byte[] {1, 2, 3}));
        List<RawRecord> contentRecords = new ArrayList<>();
        for (ContentItem item : mind.items.values()) {
            contentRecords.add(RawRecords.unpositioned("content", item.getItemId(), itemCodec.encode(item)));
        }

        String run = "job-" + System.nanoTime();
        CollectingSink<UserEmbedding> users = new CollectingSink<>(run + "-users");
        CollectingSink<ContentEmbedding> contents = new CollectingSink<>(run + "-contents");
        CollectingSink<DeadLetter> dead = new CollectingSink<>(run + "-dead");
        JobConfig config = JobConfig.builder()
                .set(JobConfig.BUNDLE_PATH, TestBundle.dir().toString())
                .set(JobConfig.INFERENCE_MAX_SUMMARY_TOKENS, String.valueOf(SUMMARY_TOKENS))
                .set(JobConfig.REFRESH_DEBOUNCE, "20ms")
                .set(JobConfig.REFRESH_MAX_DELAY, "100ms")
                .set(JobConfig.CHECKPOINT_INTERVAL, "1s")
                .build();
        int itemCount = contentRecords.size();
        JobSources sources = new JobSources() {
            @Override
            public org.apache.flink.streaming.api.datastream.DataStream<RawRecord> clicks(
                    StreamExecutionEnvironment env) {
                return env.fromData(clickRecords, TypeInformation.of(RawRecord.class)).uid("test-clicks")
                        .map(new ContentGate(contents.name(), itemCount)).uid("test-content-gate");
            }

            @Override
            public org.apache.flink.streaming.api.datastream.DataStream<RawRecord> content(
                    StreamExecutionEnvironment env) {
                return env.fromData(contentRecords, TypeInformation.of(RawRecord.class)).uid("test-content");
            }
        };

        Configuration conf = EmbSumJob.flinkConfiguration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        new EmbSumJob(config, sources, new JobSinks(users, contents, dead)).execute(env);

        assertThat(contents.results()).hasSize(itemCount);
        assertThat(dead.results()).singleElement()
                .satisfies(d -> assertThat(d.getErrorKind()).isEqualTo(DeadLetters.MALFORMED));

        Map<String, UserEmbedding> last = new HashMap<>();
        for (UserEmbedding e : users.results()) {
            UserEmbedding previous = last.get(e.getUserId());
            assertThat(previous == null || previous.getHistoryVersion() <= e.getHistoryVersion())
                    .as("versions never go back for %s", e.getUserId()).isTrue();
            last.put(e.getUserId(), e);
        }
        assertThat(last).hasSize(50);

        try (UserEmbeddingOracle oracle = UserEmbeddingOracle.open(SUMMARY_TOKENS)) {
            for (Map.Entry<String, List<ClickEvent>> user : mind.clicksByUser.entrySet()) {
                List<ClickEvent> accepted = new ArrayList<>(user.getValue());
                if (user.getKey().equals(firstUser)) {
                    accepted.add(highRating); // RATE 2 is not an engagement
                }
                oracle.assertMatches(accepted, mind.items, last.get(user.getKey()));
            }
        }
    }

    private static ClickEvent rate(String user, String item, int rating, String tag) {
        return ClickEvent.newBuilder().setEventId(user + "-rate-" + tag).setUserId(user).setItemId(item)
                .setEventTime(Instant.parse("2019-11-10T00:00:00Z")).setAction(Action.RATE).setRating(rating)
                .setImpressionId(null).build();
    }

    /**
     * Holds the click stream until every item's CPE has been emitted, which happens after the
     * item's tokens are in the join's state. Without it the two bounded sources race: a click
     * that waits for its item is overtaken by the user's later clicks, and the history order
     * (arrival order, by contract) would differ from the log order the oracle replays.
     */
    private static final class ContentGate implements MapFunction<RawRecord, RawRecord> {
        private static final long serialVersionUID = 1L;
        private final String contentSink;
        private final int items;
        private transient boolean open;

        ContentGate(String contentSink, int items) {
            this.contentSink = contentSink;
            this.items = items;
        }

        @Override
        public RawRecord map(RawRecord value) throws InterruptedException {
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!open && CollectingSink.size(contentSink) < items) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("content did not arrive in 120 s");
                }
                Thread.sleep(20);
            }
            open = true;
            return value;
        }
    }
}
