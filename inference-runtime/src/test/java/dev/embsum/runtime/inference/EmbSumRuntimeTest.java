package dev.embsum.runtime.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.embsum.runtime.TestBundle;
import dev.embsum.runtime.text.EngagementHistory;
import dev.embsum.runtime.text.ItemFormatter;
import dev.embsum.runtime.text.ItemText;
import dev.embsum.runtime.text.Session;
import dev.embsum.runtime.text.SessionGrouper;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java runtime against the bundle's golden vectors (PyTorch), and the runtime's own guarantees:
 * batching, chunking and the encoder cache never change a result.
 */
class EmbSumRuntimeTest {

    private static EmbSumRuntime runtime;
    private static List<EngagementHistory> histories;
    private static List<List<Session>> mindUsers;

    @BeforeAll
    static void open() throws Exception {
        runtime = openOneThreaded(UnaryOperator.identity());
        histories = mindHistories(runtime, 12);
        SessionGrouper grouper = new SessionGrouper(runtime.contract());
        mindUsers = histories.stream().map(grouper::sessions).toList();
    }

    @AfterAll
    static void close() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void reproducesTheGoldenVectors() throws Exception {
        GoldenCheck.Report report = new GoldenCheck(runtime).run();
        System.out.println("golden check " + runtime.modelVersion() + ": " + report);
        assertThat(report.users()).isGreaterThanOrEqualTo(8);
        assertThat(report.items()).isGreaterThanOrEqualTo(32);
    }

    @Test
    void oneByOneAndChunkedEqualTheBatch() throws Exception {
        List<UserRefresh> batch = runtime.refresh(mindUsers);
        try (EmbSumRuntime chunked =
                openOneThreaded(
                        options ->
                                options.withMaxDecodeBatch(3)
                                        .withEncoderTokenBudget(600)
                                        .withEncoderCacheBytes(0))) {
            List<UserRefresh> small = chunked.refresh(mindUsers);
            for (int u = 0; u < mindUsers.size(); u++) {
                UserRefresh alone = chunked.refreshOne(mindUsers.get(u));
                assertSame(small.get(u), batch.get(u), "user " + u + " chunked");
                assertSame(alone, batch.get(u), "user " + u + " alone");
            }
        }
    }

    @Test
    void incrementalRefreshEqualsFullRecompute() throws Exception {
        SessionGrouper grouper = new SessionGrouper(runtime.contract());
        for (EngagementHistory history : List.of(histories.get(0), histories.get(3))) {
            // one more click (an item of another user's history): only the sessions it touches
            // are encoded again, the window's oldest one when the 60-item window slides
            var click = histories.get(5).entries().get(0);
            EngagementHistory next = history.add(click.itemId(), 1_000, click.tokens());
            runtime.refreshOne(grouper.sessions(history));
            CacheStats warm = runtime.cacheStats();
            List<Session> sessions = grouper.sessions(next);
            UserRefresh incremental = runtime.refreshOne(sessions);
            CacheStats after = runtime.cacheStats();
            int slides = history.size() == history.capacity() ? 1 : 0;
            assertThat(after.misses() - warm.misses()).as("sessions encoded").isEqualTo(1 + slides);
            assertThat(after.hits() - warm.hits())
                    .as("sessions from the cache")
                    .isEqualTo(sessions.size() - 1 - slides);

            try (EmbSumRuntime cold =
                    openOneThreaded(options -> options.withEncoderCacheBytes(0))) {
                assertSame(incremental, cold.refreshOne(sessions), "incremental vs full");
            }
        }
    }

    @Test
    void cacheStaysWithinItsByteBound() throws Exception {
        try (EmbSumRuntime tiny =
                openOneThreaded(options -> options.withEncoderCacheBytes(200_000))) {
            tiny.refresh(mindUsers);
            CacheStats stats = tiny.cacheStats();
            assertThat(stats.bytes()).isPositive().isLessThanOrEqualTo(200_000);
            assertThat(stats.evictions()).isPositive();
        }
    }

    @Test
    void contentsBatchedEqualOneByOne() throws Exception {
        ItemFormatter formatter = new ItemFormatter(runtime.tokenizer(), runtime.contract());
        List<int[]> rows = new ArrayList<>();
        for (List<Session> user : mindUsers.subList(0, 3)) {
            for (Session s : user) {
                rows.add(s.tokens());
            }
        }
        rows.add(
                formatter.contentTokens(
                        formatter.itemTokens(ItemText.news("X", "A title", "", ""))));
        List<EncodedContent> batch = runtime.embedContents(rows);
        for (int i = 0; i < rows.size(); i += 7) {
            EncodedContent alone = runtime.embedContents(List.of(rows.get(i))).get(0);
            assertClose(alone.cpe(), batch.get(i).cpe(), "cpe " + i);
            assertClose(alone.cpeKey(), batch.get(i).cpeKey(), "cpe_key " + i);
            assertThat(alone.cpe()).hasSize(runtime.cpeCodes() * runtime.dim());
        }
    }

    @Test
    void concurrentCallersGetTheSequentialResults() throws Exception {
        // one runtime shared by 4 threads (as Flink subtasks of one task manager may share it)
        List<UserRefresh> sequential = new ArrayList<>();
        for (List<Session> user : mindUsers.subList(0, 8)) {
            sequential.add(runtime.refreshOne(user));
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<UserRefresh>> futures = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (List<Session> user : mindUsers.subList(0, 8)) {
                    futures.add(pool.submit(() -> runtime.refreshOne(user)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertSame(futures.get(i).get(), sequential.get(i % 8), "concurrent call " + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void refusesAUserWithoutSessions() {
        assertThatThrownBy(() -> runtime.refresh(List.of(mindUsers.get(0), List.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user 1")
                .hasMessageContaining("empty history");
    }

    @Test
    void cudaWithoutAGpuFallsBackToCpu() throws Exception {
        try (EmbSumRuntime cuda =
                openOneThreaded(options -> options.withProvider(ExecutionProvider.CUDA, 0))) {
            // the CPU artifact has no CUDA provider: the runtime must still serve, on CPU
            assertThat(cuda.provider()).isEqualTo(ExecutionProvider.CPU);
            assertSame(
                    cuda.refreshOne(mindUsers.get(2)),
                    runtime.refreshOne(mindUsers.get(2)),
                    "cuda fallback");
        }
    }

    /** The test bundle on one ONNX Runtime thread, with the test's own {@code tuning}. */
    private static EmbSumRuntime openOneThreaded(UnaryOperator<InferenceOptions> tuning)
            throws Exception {
        return EmbSumRuntime.open(
                TestBundle.dir(), tuning.apply(InferenceOptions.defaults().withIntraOpThreads(1)));
    }

    static void assertSame(UserRefresh got, UserRefresh want, String what) {
        assertThat(got.summaryIds()).as(what + " summary ids").isEqualTo(want.summaryIds());
        assertThat(got.summary()).as(what + " summary").isEqualTo(want.summary());
        assertClose(got.upe(), want.upe(), what + " upe");
        assertClose(got.globalVector(), want.globalVector(), what + " global vector");
        assertClose(got.itemVectors(), want.itemVectors(), what + " item vectors");
    }

    static void assertClose(float[] got, float[] want, String what) {
        assertThat(got).as(what + " length").hasSize(want.length);
        for (int i = 0; i < got.length; i++) {
            assertThat((double) Math.abs(got[i] - want[i]))
                    .as(what + "[" + i + "]")
                    .isLessThanOrEqualTo(1e-5);
        }
    }

    /** Real MIND users (behaviors.tsv order) replayed into histories with the bundle's contract. */
    static List<EngagementHistory> mindHistories(EmbSumRuntime rt, int users) throws Exception {
        Path mind = Paths.get(System.getProperty("embsum.root", ".")).resolve("data/mind");
        java.util.Map<String, int[]> tokens = new java.util.HashMap<>();
        ItemFormatter formatter = new ItemFormatter(rt.tokenizer(), rt.contract());
        try (BufferedReader r =
                Files.newBufferedReader(mind.resolve("news.tsv"), StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.split("\t", -1);
                tokens.put(f[0], formatter.itemTokens(ItemText.news(f[0], f[3], f[4], f[1])));
            }
        }
        List<EngagementHistory> out = new ArrayList<>();
        try (BufferedReader r =
                Files.newBufferedReader(mind.resolve("behaviors.tsv"), StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null && out.size() < users; ) {
                String[] f = line.split("\t", -1);
                EngagementHistory h = EngagementHistory.empty(rt.contract());
                long t = 0;
                for (String item : f[3].split(" ")) {
                    if (tokens.containsKey(item)) {
                        h = h.add(item, t++, tokens.get(item));
                    }
                }
                if (!h.isEmpty()) {
                    out.add(h);
                }
            }
        }
        return out;
    }
}
