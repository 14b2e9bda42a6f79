package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.runtime.TestBundle;
import dev.embsum.serde.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;

/**
 * The shared plumbing of the job tests (whole job on a MiniCluster, RocksDB, the real bundle): test
 * settings, in-memory sources ({@link ReplaySource}), collecting sinks, running with a failure that
 * names its root cause, and the oracle check of every user's final embedding.
 *
 * <p>One fixture per job run (or per pair of runs sharing sinks, e.g. before and after a
 * savepoint); close it to free what its sinks collected.
 */
final class JobFixture implements AutoCloseable {

    /** Summary tokens for tests: the cap changes results, the oracle uses the same. */
    static final int SUMMARY_TOKENS = 8;

    static final String CLICKS_UID = "test-clicks";
    static final String CONTENT_UID = "test-content";

    final CollectingSink<UserEmbedding> users;
    final CollectingSink<ContentEmbedding> contents;
    final CollectingSink<DeadLetter> dead;

    JobFixture(String test) {
        String run = test + "-" + System.nanoTime();
        users = new CollectingSink<>(run + "-users");
        contents = new CollectingSink<>(run + "-contents");
        dead = new CollectingSink<>(run + "-dead");
    }

    /**
     * The tests' job settings: the test bundle, {@link #SUMMARY_TOKENS}, a 20 ms debounce (100 ms
     * cap), checkpoints every second, and a 5 min inference timeout: the timeout exists to fail a
     * hung model, and a slow, loaded CI machine must not look like one.
     */
    static Configuration config() {
        return new Configuration()
                .set(EmbSumOptions.BUNDLE_PATH, TestBundle.dir().toString())
                .set(EmbSumOptions.INFERENCE_MAX_SUMMARY_TOKENS, SUMMARY_TOKENS)
                .set(EmbSumOptions.REFRESH_DEBOUNCE, Duration.ofMillis(20))
                .set(EmbSumOptions.REFRESH_MAX_DELAY, Duration.ofMillis(100))
                .set(CommonOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(1))
                .set(EmbSumOptions.INFERENCE_TIMEOUT, Duration.ofMinutes(5));
    }

    /**
     * The job's Flink settings with checkpoints under {@code checkpoints}, no restarts (a failure
     * fails the test at once, with its cause), and a few tolerated checkpoint failures: a
     * checkpoint that fails on a loaded machine (I/O, expiry) is not what these tests test.
     */
    static Configuration flinkConfiguration(Path checkpoints) {
        Configuration conf = EmbSumJob.flinkConfiguration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 5);
        return conf;
    }

    /**
     * An environment on the test's MiniCluster, parallelism 1 (see flink-jobs/README.md, Tests).
     */
    static StreamExecutionEnvironment environment(Configuration conf) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        return env;
    }

    JobSinks sinks() {
        return new JobSinks(users, contents, dead);
    }

    /**
     * Holds the clicks until all {@code items} content embeddings are out (see {@link #sources}).
     */
    ReplayGate afterContent(int items) {
        return ReplayGate.afterSinkHolds(contents.name(), items);
    }

    /**
     * Runs the job (test settings, checkpoints under {@code checkpoints}) over {@code content} and
     * {@code clicks}, holding the clicks at {@code half} until every user's embedding covers their
     * clicks of the first half, then stops it with a canonical savepoint under {@code savepoints}.
     *
     * @return the savepoint's location, as {@link JobClient#stopWithSavepoint} reports it
     */
    String runFirstHalfAndStopWithSavepoint(
            String jobName,
            List<RawRecord> content,
            List<ClickEvent> clicks,
            int half,
            Path checkpoints,
            Path savepoints)
            throws Exception {
        Map<String, Long> firstHalfVersions = new LinkedHashMap<>();
        clicks.subList(0, half).forEach(c -> firstHalfVersions.merge(c.getUserId(), 1L, Long::sum));
        StreamExecutionEnvironment env = environment(flinkConfiguration(checkpoints));
        new EmbSumJob(
                        config(),
                        sources(
                                content,
                                clickRecords(clicks),
                                afterContent(content.size()).and(ReplayGate.holdAt(half))),
                        sinks())
                .build(env);
        JobClient running = env.executeAsync(jobName);
        await(
                running,
                "embeddings of the first half",
                () -> {
                    Map<String, UserEmbedding> last = lastEmbeddingPerUser();
                    return firstHalfVersions.entrySet().stream()
                            .allMatch(
                                    e ->
                                            last.containsKey(e.getKey())
                                                    && last.get(e.getKey()).getHistoryVersion()
                                                            == e.getValue());
                },
                Duration.ofMinutes(3));
        return running.stopWithSavepoint(
                        false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
    }

    /**
     * In-memory sources: {@code content} at once, {@code clicks} as {@code clickGate} allows,
     * through {@code clickPath} (extra test operators, e.g. failure injection) before the job.
     *
     * <p>Clicks should wait for the content ({@link #afterContent}): with two sources racing, a
     * click that waits for its item is overtaken by the user's later clicks, and the history order
     * (arrival order, by contract) would differ from the log order the oracle replays.
     */
    static JobSources sources(
            List<RawRecord> content,
            List<RawRecord> clicks,
            ReplayGate clickGate,
            UnaryOperator<DataStream<RawRecord>> clickPath) {
        return new JobSources() {
            @Override
            public DataStream<RawRecord> clicks(StreamExecutionEnvironment env) {
                return clickPath.apply(
                        ReplaySource.of(
                                env,
                                CLICKS_UID,
                                clicks,
                                TypeInformation.of(RawRecord.class),
                                clickGate));
            }

            @Override
            public DataStream<RawRecord> content(StreamExecutionEnvironment env) {
                return ReplaySource.of(
                        env,
                        CONTENT_UID,
                        content,
                        TypeInformation.of(RawRecord.class),
                        ReplayGate.open());
            }
        };
    }

    static JobSources sources(
            List<RawRecord> content, List<RawRecord> clicks, ReplayGate clickGate) {
        return sources(content, clicks, clickGate, UnaryOperator.identity());
    }

    /** Each click encoded, at offset = its index in the list (partition 0), key user_id. */
    static List<RawRecord> clickRecords(List<ClickEvent> clicks) {
        return records("clicks", ClickEvent.class, clicks, ClickEvent::getUserId);
    }

    /** Each item encoded, at offset = its index (partition 0), key item_id. */
    static List<RawRecord> contentRecords(Collection<ContentItem> items) {
        return records("content", ContentItem.class, items, ContentItem::getItemId);
    }

    /** Each value encoded, at offset = its index (partition 0), under the key {@code key} gives. */
    static <T extends SpecificRecord> List<RawRecord> records(
            String topic, Class<T> type, Collection<T> values, Function<T, String> key) {
        SingleObjectCodec<T> codec = SingleObjectCodec.forClass(type);
        List<RawRecord> out = new ArrayList<>(values.size());
        for (T value : values) {
            out.add(record(topic, out.size(), key.apply(value), codec.encode(value)));
        }
        return out;
    }

    /** A bounded stream of {@code records}, its source's uid {@code uid}. */
    static DataStream<RawRecord> stream(
            StreamExecutionEnvironment env, List<RawRecord> records, String uid) {
        return env.fromData(records, TypeInformation.of(RawRecord.class)).uid(uid);
    }

    /**
     * A record as a Kafka source would deliver it: partition 0, {@code offset}, key, value bytes.
     */
    static RawRecord record(String topic, long offset, String key, byte[] value) {
        return RawRecord.newBuilder()
                .setTopic(topic)
                .setPartition(0)
                .setOffset(offset)
                .setKey(key == null ? null : ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .build();
    }

    /**
     * Builds and runs the job to its end. A failed job fails the test with the root cause in the
     * message (Flink's own message is only "Job execution failed", and a CI log shows the tail).
     */
    static JobExecutionResult run(EmbSumJob job, StreamExecutionEnvironment env) {
        try {
            return job.execute(env);
        } catch (Exception e) {
            throw new AssertionError(describeFailure(e), e);
        }
    }

    /**
     * Waits until {@code condition} holds for the running job of {@code client}. Fails at once,
     * with the job's root cause, if the job ends first, and after {@code timeout} with {@code
     * what}.
     */
    static void await(JobClient client, String what, BooleanSupplier condition, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            failIfEnded(client, what);
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + timeout);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Fails with the job's root cause (or its final status) if the job of {@code client} has ended,
     * e.g. inside a wait for output that a failed job will never produce.
     */
    static void failIfEnded(JobClient client, String waitingFor) {
        JobStatus status;
        try {
            status = client.getJobStatus().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            return; // status unknown for a moment (e.g. the job is being archived): ask again later
        }
        if (!status.isGloballyTerminalState()) {
            return;
        }
        try {
            client.getJobExecutionResult().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError(
                    describeFailure(e.getCause()) + "\nwhile waiting for " + waitingFor, e);
        }
        throw new AssertionError("the job ended (" + status + ") while waiting for " + waitingFor);
    }

    /** "the job failed: <root cause>" plus the chain of causes, one per line. */
    static String describeFailure(Throwable failure) {
        StringBuilder chain = new StringBuilder();
        Throwable root = failure;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            chain.append("\n  caused by ").append(t);
            root = t;
        }
        return "the job failed: "
                + root
                + chain
                + "\nroot cause stack:\n"
                + ExceptionUtils.stringifyException(root);
    }

    /**
     * The newest embedding of every user. Checks on the way that within each attempt (restarts
     * replay from the last checkpoint, so across attempts a version may repeat or go back, as on an
     * at-least-once topic) no user's history_version goes back.
     */
    Map<String, UserEmbedding> lastEmbeddingPerUser() {
        Map<String, UserEmbedding> last = new LinkedHashMap<>();
        Map<String, Integer> lastAttempt = new HashMap<>();
        for (CollectingSink.Collected<UserEmbedding> c : users.collected()) {
            UserEmbedding e = c.value();
            UserEmbedding previous = last.get(e.getUserId());
            if (previous != null && lastAttempt.get(e.getUserId()) == c.attempt()) {
                assertThat(e.getHistoryVersion())
                        .as(
                                "history_version of %s never goes back (attempt %d)",
                                e.getUserId(), c.attempt())
                        .isGreaterThanOrEqualTo(previous.getHistoryVersion());
            }
            last.put(e.getUserId(), e);
            lastAttempt.put(e.getUserId(), c.attempt());
        }
        return last;
    }

    /**
     * Every user of {@code acceptedByUser} has a final embedding equal to the oracle's over their
     * accepted clicks (oldest first), and no other user has one.
     */
    static void assertEveryUserMatchesTheOracle(
            Map<String, List<ClickEvent>> acceptedByUser,
            Map<String, ContentItem> items,
            Map<String, UserEmbedding> last)
            throws Exception {
        assertThat(last).as("users with an embedding").containsOnlyKeys(acceptedByUser.keySet());
        try (UserEmbeddingOracle oracle = UserEmbeddingOracle.open(SUMMARY_TOKENS)) {
            oracle.assertAllMatch(acceptedByUser, items, last);
        }
    }

    /**
     * A user's clicks in the order the job accepted them: its final embedding's history_item_ids.
     * At parallelism > 1 a user's clicks pass the item-keyed join on different subtasks, and the
     * history's order is the arrival order at the user-keyed operator (README "Parallelism"), not
     * the log's; the oracle then replays that order. Needs users who click each item once.
     */
    static List<ClickEvent> inJobOrder(List<ClickEvent> clicks, UserEmbedding embedding) {
        List<String> order = embedding.getHistoryItemIds();
        assertThat(order)
                .as("items of %s", embedding.getUserId())
                .doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(
                        clicks.stream().map(ClickEvent::getItemId).toList());
        List<ClickEvent> out = new ArrayList<>(clicks);
        out.sort(Comparator.comparingInt(c -> order.indexOf(c.getItemId())));
        return out;
    }

    @Override
    public void close() {
        users.discard();
        contents.discard();
        dead.discard();
    }
}
