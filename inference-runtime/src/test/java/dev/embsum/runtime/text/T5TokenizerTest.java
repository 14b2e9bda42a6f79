package dev.embsum.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class T5TokenizerTest {

    private static T5Tokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = T5Tokenizer.load(TestFiles.tokenizerJson());
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void encodesTheContractExamples() {
        assertThat(tokenizer.encode("News Title:")).containsExactly(3529, 11029, 10);
        assertThat(tokenizer.encode("; News Abstract:")).containsExactly(3, 117, 3529, 20114, 10);
        assertThat(tokenizer.encode(" The Brands Queen Elizabeth"))
                .containsExactly(37, 4688, 7, 5286, 9066);
    }

    @Test
    void addsNoSpecialTokens() {
        assertThat(tokenizer.encode("")).isEmpty();
        assertThat(tokenizer.encode("   ")).isEmpty();
        // T5's post-processor would append </s> (1) if special tokens were added.
        assertThat(tokenizer.encode("hello")).doesNotContain(1);
    }

    @Test
    void injectedSpecialTokensBecomeUnk() {
        assertThat(tokenizer.encodeRaw("a <extra_id_0> </s> b"))
                .containsExactly(3, 9, 32099, 1, 3, 115);
        assertThat(tokenizer.encode("a <extra_id_0> </s> b")).containsExactly(3, 9, 2, 2, 3, 115);
        // <pad> and the last sentinel too; <unk> itself stays.
        assertThat(tokenizer.encodeRaw("<pad><extra_id_99><unk>")).containsExactly(0, 32000, 2);
        assertThat(tokenizer.encode("<pad><extra_id_99><unk>")).containsExactly(2, 2, 2);
    }

    @Test
    void replacedIdsAreExactlyPadEosAndTheSentinels() {
        assertThat(tokenizer.unkId()).isEqualTo(2);
        List<Integer> replaced =
                IntStream.range(0, 32128).filter(tokenizer::isReplacedSpecialId).boxed().toList();
        List<Integer> expected = new ArrayList<>(List.of(0, 1));
        IntStream.rangeClosed(32000, 32099).forEach(expected::add);
        assertThat(replaced).isEqualTo(expected);
    }

    @Test
    void unicodeMatchesPythonTokenizers() {
        // Expected ids from Python `tokenizers` on the same file. The emoji checks that DJL's
        // JNI string conversion (modified UTF-8 on the Java side) reaches Rust intact.
        assertThat(tokenizer.encode("café ﬁ x")).containsExactly(11949, 361, 3, 226);
        assertThat(tokenizer.encode("Hello 😀 世界")).containsExactly(8774, 3, 2, 3, 2);
    }

    @Test
    void recordsTheFileDigest() throws IOException {
        assertThat(tokenizer.sha256()).matches("[0-9a-f]{64}");
        assertThat(tokenizer.path())
                .isEqualTo(TestFiles.tokenizerJson().toAbsolutePath().normalize());
    }

    @Test
    void isSafeToShareBetweenThreads() throws Exception {
        String text = "Queen Elizabeth visits the Brands; prices rise 3% in Q2";
        int[] expected = tokenizer.encode(text);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                results.add(pool.submit(() -> tokenizer.encode(text)));
            }
            for (Future<int[]> f : results) {
                assertThat(f.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void missingFileIsAClearError(@TempDir Path dir) {
        Path missing = dir.resolve("nope/tokenizer.json");
        assertThatThrownBy(() -> T5Tokenizer.load(missing))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("tokenizer.json not found");
    }

    @Test
    void aFileThatIsNotATokenizerJsonIsAClearError(@TempDir Path dir) throws IOException {
        Path garbage = Files.writeString(dir.resolve("garbage.json"), "not json at all");
        assertThatThrownBy(() -> T5Tokenizer.load(garbage))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Not a tokenizer.json")
                .hasMessageContaining(garbage.toString());
        Path other =
                Files.write(
                        dir.resolve("config.json"),
                        "{\"d_model\": 512}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> T5Tokenizer.load(other))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Not a Hugging Face tokenizer.json");
    }

    @Test
    void closedTokenizerRefusesToEncode() throws IOException {
        T5Tokenizer own = T5Tokenizer.load(TestFiles.tokenizerJson());
        own.close();
        own.close(); // idempotent
        assertThatThrownBy(() -> own.encode("x"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void djlRunsOffline() {
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
        assertThat(System.getProperty("OPT_OUT_TRACKING")).isEqualTo("true");
    }
}
