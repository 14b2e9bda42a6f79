package dev.embsum.bench;

import dev.embsum.ranker.ContentVectors;
import dev.embsum.ranker.PolyEmbedding;
import dev.embsum.ranker.PolyScorer;
import dev.embsum.ranker.ScoredItem;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link PolyScorer} throughput, in user-item pairs per second, for one user (m=32) against 1,000
 * items (n=4), at d = 128 and 512.
 *
 * <p>{@link #fmaPeak()} is the yardstick: it runs the multiply-adds of 1,000 pairs ({@code 2 m n d}
 * each: K and the attention logits) as eight independent scalar FMA chains, held in registers,
 * which is what it takes to keep a core's FMA units busy (4-cycle latency x 2 units on current x86
 * cores). Its score is therefore the core's scalar FMA peak expressed in pairs/s, and {@code
 * scoreAll / fmaPeak} is the fraction of that peak the scorer reaches. The softmax (m n {@code exp}
 * per pair) is not in the yardstick: it is part of the scorer's cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ScorerBench {

    private static final int USER_ROWS = 32;
    private static final int ITEM_ROWS = 4;
    private static final int ITEMS = 1000;
    private static final int TOP_K = 100;

    /** Independent FMA chains in {@link #fmaPeak()}: FMA latency x FMA units per core. */
    private static final int CHAINS = 8;

    @Param({"128", "512"})
    public int d;

    private PolyEmbedding user;
    private List<ContentVectors> items;

    /** Multiply-adds per chain in {@link #fmaPeak()}: those of ITEMS pairs, over CHAINS. */
    private long fmaPerChain;

    /** Not constants, so that the JIT cannot fold the FMA chains. */
    private float multiplier;

    private float addend;

    @Setup
    public void setUp() {
        Random random = new Random(2024);
        user = gaussian(random, USER_ROWS);
        items = new ArrayList<>(ITEMS);
        for (int i = 0; i < ITEMS; i++) {
            items.add(new ContentVectors(gaussian(random, ITEM_ROWS), gaussian(random, ITEM_ROWS)));
        }
        fmaPerChain = (long) ITEMS * 2 * USER_ROWS * ITEM_ROWS * d / CHAINS;
        // x -> 0.999999 x + 1e-6 converges to 1: no overflow, no subnormals, however long.
        multiplier = 0.999999f;
        addend = 1e-6f;
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public float[] scoreAll() {
        return PolyScorer.scoreAll(user, items);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public List<ScoredItem> topK() {
        return PolyScorer.topK(user, items, TOP_K);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public float fmaPeak() {
        float x = multiplier;
        float y = addend;
        float a0 = 0;
        float a1 = 0.1f;
        float a2 = 0.2f;
        float a3 = 0.3f;
        float a4 = 0.4f;
        float a5 = 0.5f;
        float a6 = 0.6f;
        float a7 = 0.7f;
        for (long i = 0; i < fmaPerChain; i++) {
            a0 = Math.fma(a0, x, y);
            a1 = Math.fma(a1, x, y);
            a2 = Math.fma(a2, x, y);
            a3 = Math.fma(a3, x, y);
            a4 = Math.fma(a4, x, y);
            a5 = Math.fma(a5, x, y);
            a6 = Math.fma(a6, x, y);
            a7 = Math.fma(a7, x, y);
        }
        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    }

    private PolyEmbedding gaussian(Random random, int rows) {
        float[] values = new float[rows * d];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.5);
        }
        return PolyEmbedding.of(rows, d, values);
    }
}
