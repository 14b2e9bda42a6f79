package dev.embsum.runtime.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.runtime.TestBundle;
import dev.embsum.runtime.text.EngagementHistory;
import dev.embsum.runtime.text.Session;
import dev.embsum.runtime.text.SessionGrouper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every OnnxTensor and Result is closed: 10,000 user refreshes (and contents) leave the process's
 * resident memory where it was after a warm-up. The module's tests run with a fixed, pre-touched
 * heap (inference-runtime/pom.xml), so the resident set changes only with native memory; the bound
 * (32 MiB over 2,500 calls) catches any leak of 13 KiB or more per call, and leaving one encoder
 * Result open (tens of KiB of states per call) fails it.
 */
class NativeMemoryTest {

    private static final int USERS_PER_CALL = 4;

    @Test
    void tenThousandRefreshesDoNotGrowNativeMemory() throws Exception {
        Path status = Path.of("/proc/self/status");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(status), "needs Linux /proc");
        // cap 2: this test is about resources, not summaries; no cache, so every call encodes
        InferenceOptions options =
                InferenceOptions.defaults()
                        .withIntraOpThreads(1)
                        .withMaxSummaryTokens(2)
                        .withEncoderCacheBytes(0);
        try (EmbSumRuntime runtime = EmbSumRuntime.open(TestBundle.dir(), options)) {
            SessionGrouper grouper = new SessionGrouper(runtime.contract());
            List<List<Session>> users = new ArrayList<>();
            for (EngagementHistory h : EmbSumRuntimeTest.mindHistories(runtime, 40)) {
                List<Session> sessions = grouper.sessions(h);
                users.add(
                        sessions.subList(
                                sessions.size() - 1, sessions.size())); // newest session only
            }
            int call = 0;
            // warm-up: JIT code, ONNX Runtime's arena and malloc's pools grow for the first few
            // thousand calls (measured: +73 MiB after 250 calls, +2 MiB after 2,500), then level
            // off
            for (; call < 2_500; call++) {
                refresh(runtime, users, call);
            }
            long before = nativeBytes(status);
            for (int refreshes = 0; refreshes < 10_000; refreshes += USERS_PER_CALL) {
                refresh(runtime, users, call++);
            }
            long after = nativeBytes(status);
            System.out.printf(
                    "resident memory before %.1f MiB, after 10,000 refreshes %.1f MiB%n",
                    before / 1048576.0, after / 1048576.0);
            assertThat(after - before)
                    .as("resident growth over 10,000 refreshes, bytes")
                    .isLessThan(32L << 20);
        }
    }

    private static void refresh(EmbSumRuntime runtime, List<List<Session>> users, int call)
            throws Exception {
        int from = (call * USERS_PER_CALL) % (users.size() - USERS_PER_CALL);
        List<UserRefresh> out = runtime.refresh(users.subList(from, from + USERS_PER_CALL));
        assertThat(out).hasSize(USERS_PER_CALL);
        if (call % 10 == 0) {
            runtime.embedContents(List.of(users.get(from).get(0).tokens()));
        }
    }

    private static long nativeBytes(Path status) throws Exception {
        // input tensors are copied into direct ByteBuffers, which only a GC frees: collect them
        // first so that what remains is what nothing will ever free
        System.gc();
        Thread.sleep(200);
        long rssKb =
                Files.readAllLines(status).stream()
                        .filter(l -> l.startsWith("VmRSS:"))
                        .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
                        .findFirst()
                        .orElseThrow();
        return rssKb * 1024;
    }
}
