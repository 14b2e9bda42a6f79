package dev.embsum.bench;

import dev.embsum.ranker.ContentVectors;
import dev.embsum.ranker.PolyEmbedding;
import dev.embsum.ranker.PolyScorer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link PolyScorer} throughput, in user-item pairs per second, for one user (m=32) against
 * requests of {@link #candidates} items (n=4, default 10,000), {@value #PAIRS} pairs per
 * invocation, at d = 128 and 512, with each of its kernels: {@code *Scalar} in a JVM started as a
 * ranker's is by default, {@code *Vector} in one started with {@code --add-modules
 * jdk.incubator.vector}. {@link #setUp} fails a benchmark whose JVM picked the other kernel. 10,000
 * items are 40 MB (d=128) to 160 MB (d=512) of vectors, read from main memory like a ranker's
 * catalogue; {@code -p candidates=1000} keeps a request in the last-level cache instead.
 *
 * <p>The FMA peaks are the yardsticks: each runs the multiply-adds of {@value #PAIRS} pairs ({@code
 * 2 m n d} each: K and the attention logits) as {@value #CHAINS} independent FMA chains held in
 * registers, more than it takes to keep a core's FMA units busy (4-cycle latency x 2 units on
 * current x86 cores). Each one's score is therefore a peak of the core expressed in pairs/s, so a
 * kernel's fraction of a peak is a plain ratio: {@link #scalarFmaPeak} does one multiply-add per
 * instruction, {@link VectorFmaPeaks#doubleLanes} one per double lane of the widest vector (8 with
 * AVX-512), {@link VectorFmaPeaks#floatLanes} one per float lane (16). The softmax ({@code m n}
 * {@code exp} per pair) is not in the yardsticks: it is part of the scorer's cost.
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

    /** Pairs per benchmark invocation: one request of 10,000 candidates, or several smaller. */
    static final int PAIRS = 10_000;

    private static final int TOP_K = 100;

    /** Independent FMA chains in the peaks: more than FMA latency x FMA units. */
    static final int CHAINS = 12;

    /** What a ranker adds to its JVM's options to get {@link PolyScorer.Kernel#VECTOR}. */
    static final String VECTOR_MODULE = "--add-modules=jdk.incubator.vector";

    /** x -> 0.999999 x + 1e-6 converges to 1: no overflow, no subnormals, however long. */
    static final double MULTIPLIER = 0.999999;

    static final double ADDEND = 1e-6;

    @Param({"128", "512"})
    public int d;

    /** Items per request; divides PAIRS. */
    @Param({"10000"})
    public int candidates;

    private PolyEmbedding user;
    private List<ContentVectors> items;

    private long multiplyAdds;

    /** Not constants, so that the JIT cannot fold the FMA chains. */
    private double multiplier;

    private double addend;

    @Setup
    public void setUp(BenchmarkParams params) {
        requireKernel(params.getBenchmark());
        if (PAIRS % candidates != 0) {
            throw new IllegalArgumentException("candidates must divide " + PAIRS);
        }
        Random random = new Random(2024);
        user = gaussian(random, USER_ROWS);
        items = new ArrayList<>(candidates);
        for (int i = 0; i < candidates; i++) {
            items.add(new ContentVectors(gaussian(random, ITEM_ROWS), gaussian(random, ITEM_ROWS)));
        }
        multiplyAdds = multiplyAdds(d);
        multiplier = MULTIPLIER;
        addend = ADDEND;
    }

    /** A benchmark named *Scalar or *Vector runs only on that kernel. */
    private static void requireKernel(String benchmark) {
        for (PolyScorer.Kernel kernel : PolyScorer.Kernel.values()) {
            String suffix = kernel.name().charAt(0) + kernel.name().substring(1).toLowerCase();
            if (benchmark.endsWith(suffix) && PolyScorer.kernel() != kernel) {
                throw new IllegalStateException(
                        benchmark + " needs the " + kernel + " kernel, got " + PolyScorer.kernel());
            }
        }
    }

    /** Of PAIRS pairs at this d. */
    static long multiplyAdds(int d) {
        return (long) PAIRS * 2 * USER_ROWS * ITEM_ROWS * d;
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public void scoreAllScalar(Blackhole sink) {
        scoreAll(sink);
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS)
    @Fork(value = 1, jvmArgsAppend = VECTOR_MODULE)
    public void scoreAllVector(Blackhole sink) {
        scoreAll(sink);
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS)
    @Fork(value = 1, jvmArgsAppend = VECTOR_MODULE)
    public void topKVector(Blackhole sink) {
        for (int request = 0; request < PAIRS / candidates; request++) {
            sink.consume(PolyScorer.topK(user, items, TOP_K));
        }
    }

    private void scoreAll(Blackhole sink) {
        for (int request = 0; request < PAIRS / candidates; request++) {
            sink.consume(PolyScorer.scoreAll(user, items));
        }
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public double scalarFmaPeak() {
        double x = multiplier;
        double y = addend;
        double a0 = 0;
        double a1 = 0.1;
        double a2 = 0.2;
        double a3 = 0.3;
        double a4 = 0.4;
        double a5 = 0.5;
        double a6 = 0.6;
        double a7 = 0.7;
        double a8 = 0.8;
        double a9 = 0.9;
        double a10 = 1.0;
        double a11 = 1.1;
        for (long i = multiplyAdds / CHAINS; i > 0; i--) {
            a0 = Math.fma(a0, x, y);
            a1 = Math.fma(a1, x, y);
            a2 = Math.fma(a2, x, y);
            a3 = Math.fma(a3, x, y);
            a4 = Math.fma(a4, x, y);
            a5 = Math.fma(a5, x, y);
            a6 = Math.fma(a6, x, y);
            a7 = Math.fma(a7, x, y);
            a8 = Math.fma(a8, x, y);
            a9 = Math.fma(a9, x, y);
            a10 = Math.fma(a10, x, y);
            a11 = Math.fma(a11, x, y);
        }
        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    }

    private PolyEmbedding gaussian(Random random, int rows) {
        float[] values = new float[rows * d];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.5);
        }
        return PolyEmbedding.of(rows, d, values);
    }

    /**
     * The vector FMA peaks, in their own class: the scalar benchmarks' JVMs run without {@code
     * jdk.incubator.vector}, and could not load a class that uses its types. The two are written
     * out per lane type, as the measured ones were, rather than generic over {@code Vector<E>}, so
     * that each is plainly 12 FMA instructions a round.
     */
    @State(Scope.Benchmark)
    @Fork(value = 1, jvmArgsAppend = VECTOR_MODULE)
    public static class VectorFmaPeaks {

        @Param({"128", "512"})
        public int d;

        private long multiplyAdds;

        /** Not constants, so that the JIT cannot fold the FMA chains. */
        private double multiplier;

        private double addend;

        @Setup
        public void setUp() {
            multiplyAdds = multiplyAdds(d);
            multiplier = MULTIPLIER;
            addend = ADDEND;
        }

        @Benchmark
        @OperationsPerInvocation(PAIRS)
        public double doubleLanes() {
            DoubleVector x = DoubleVector.broadcast(DoubleVector.SPECIES_PREFERRED, multiplier);
            DoubleVector y = DoubleVector.broadcast(DoubleVector.SPECIES_PREFERRED, addend);
            DoubleVector a0 = y.mul(0);
            DoubleVector a1 = y.mul(1);
            DoubleVector a2 = y.mul(2);
            DoubleVector a3 = y.mul(3);
            DoubleVector a4 = y.mul(4);
            DoubleVector a5 = y.mul(5);
            DoubleVector a6 = y.mul(6);
            DoubleVector a7 = y.mul(7);
            DoubleVector a8 = y.mul(8);
            DoubleVector a9 = y.mul(9);
            DoubleVector a10 = y.mul(10);
            DoubleVector a11 = y.mul(11);
            for (long i = multiplyAdds / ((long) CHAINS * x.length()); i > 0; i--) {
                a0 = a0.fma(x, y);
                a1 = a1.fma(x, y);
                a2 = a2.fma(x, y);
                a3 = a3.fma(x, y);
                a4 = a4.fma(x, y);
                a5 = a5.fma(x, y);
                a6 = a6.fma(x, y);
                a7 = a7.fma(x, y);
                a8 = a8.fma(x, y);
                a9 = a9.fma(x, y);
                a10 = a10.fma(x, y);
                a11 = a11.fma(x, y);
            }
            return a0.add(a1)
                    .add(a2)
                    .add(a3)
                    .add(a4)
                    .add(a5)
                    .add(a6)
                    .add(a7)
                    .add(a8)
                    .add(a9)
                    .add(a10)
                    .add(a11)
                    .reduceLanes(VectorOperators.ADD);
        }

        @Benchmark
        @OperationsPerInvocation(PAIRS)
        public float floatLanes() {
            FloatVector x =
                    FloatVector.broadcast(FloatVector.SPECIES_PREFERRED, (float) multiplier);
            FloatVector y = FloatVector.broadcast(FloatVector.SPECIES_PREFERRED, (float) addend);
            FloatVector a0 = y.mul(0);
            FloatVector a1 = y.mul(1);
            FloatVector a2 = y.mul(2);
            FloatVector a3 = y.mul(3);
            FloatVector a4 = y.mul(4);
            FloatVector a5 = y.mul(5);
            FloatVector a6 = y.mul(6);
            FloatVector a7 = y.mul(7);
            FloatVector a8 = y.mul(8);
            FloatVector a9 = y.mul(9);
            FloatVector a10 = y.mul(10);
            FloatVector a11 = y.mul(11);
            for (long i = multiplyAdds / ((long) CHAINS * x.length()); i > 0; i--) {
                a0 = a0.fma(x, y);
                a1 = a1.fma(x, y);
                a2 = a2.fma(x, y);
                a3 = a3.fma(x, y);
                a4 = a4.fma(x, y);
                a5 = a5.fma(x, y);
                a6 = a6.fma(x, y);
                a7 = a7.fma(x, y);
                a8 = a8.fma(x, y);
                a9 = a9.fma(x, y);
                a10 = a10.fma(x, y);
                a11 = a11.fma(x, y);
            }
            return a0.add(a1)
                    .add(a2)
                    .add(a3)
                    .add(a4)
                    .add(a5)
                    .add(a6)
                    .add(a7)
                    .add(a8)
                    .add(a9)
                    .add(a10)
                    .add(a11)
                    .reduceLanes(VectorOperators.ADD);
        }
    }
}
