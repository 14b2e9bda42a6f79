package dev.embsum.bench;

import dev.embsum.runtime.text.ItemFormatter;
import dev.embsum.runtime.text.ItemText;
import dev.embsum.runtime.text.T5Tokenizer;
import dev.embsum.runtime.text.TextContract;
import java.io.IOException;
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
 * first {@value #ITEMS} rows of {@code data/mind/news.tsv} that have both a title and an abstract
 * (most of the sample's rows have a title only, and would understate the work). The repository root
 * is system property {@code embsum.root}, default the working directory.
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
        tokenizer =
                T5Tokenizer.load(
                        MindSample.root().resolve("models/t5-small-tokenizer/tokenizer.json"));
        formatter = new ItemFormatter(tokenizer, TextContract.defaults());
        items = readNews(ITEMS);
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

    /** The first {@code count} news items with both a title and an abstract. */
    private static List<ItemText> readNews(int count) throws IOException {
        List<ItemText> out =
                MindSample.news().values().stream()
                        .filter(item -> !item.title().isBlank() && !item.body().isBlank())
                        .limit(count)
                        .toList();
        if (out.size() < count) {
            throw new IOException(
                    "data/mind/news.tsv: only "
                            + out.size()
                            + " rows with a title and an"
                            + " abstract, "
                            + count
                            + " needed");
        }
        return out;
    }
}
