package dev.embsum.bench;

import dev.embsum.runtime.text.ItemFormatter;
import dev.embsum.runtime.text.ItemText;
import dev.embsum.runtime.text.T5Tokenizer;
import dev.embsum.runtime.text.TextContract;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link ItemFormatter#itemTokens} throughput, in items per second, on real MIND news items: the
 * first {@value #ITEMS} rows of {@code data/mind/news.tsv} that have both a title and an
 * abstract (most of the sample's rows have a title only, and would understate the work). The
 * repository root is system property {@code embsum.root}, default the working directory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TokenizerBench {

    static final int ITEMS = 500;

    private T5Tokenizer tokenizer;
    private ItemFormatter formatter;
    private List<ItemText> items;

    @Setup
    public void setUp() throws IOException {
        Path root = Paths.get(System.getProperty("embsum.root", "."));
        tokenizer = T5Tokenizer.load(root.resolve("models/t5-small-tokenizer/tokenizer.json"));
        formatter = new ItemFormatter(tokenizer, TextContract.defaults());
        items = readNews(root.resolve("data/mind/news.tsv"), ITEMS);
    }

    @TearDown
    public void tearDown() {
        tokenizer.close();
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void itemTokens(Blackhole blackhole) {
        for (ItemText item : items) {
            blackhole.consume(formatter.itemTokens(item));
        }
    }

    /**
     * MIND news.tsv (TAB separated, no header): NewsID, Category, SubCategory, Title, Abstract,
     * URL, TitleEntities, AbstractEntities.
     */
    private static List<ItemText> readNews(Path newsTsv, int count) throws IOException {
        List<ItemText> out = new ArrayList<>(count);
        try (BufferedReader reader = Files.newBufferedReader(newsTsv, StandardCharsets.UTF_8)) {
            for (String line; out.size() < count && (line = reader.readLine()) != null; ) {
                String[] cols = line.split("\t", -1);
                if (cols.length != 8) {
                    throw new IOException(newsTsv + ": expected 8 columns, got " + cols.length);
                }
                if (!cols[3].isBlank() && !cols[4].isBlank()) {
                    out.add(ItemText.news(cols[0], cols[3], cols[4], cols[1]));
                }
            }
        }
        if (out.size() < count) {
            throw new IOException(newsTsv + ": only " + out.size() + " rows with a title and an"
                    + " abstract, " + count + " needed");
        }
        return out;
    }
}
