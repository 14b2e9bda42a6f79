package dev.embsum.ranker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The module works on its own runtime classpath ({@code target/runtime-classpath.txt}, written at
 * package time), which is what a ranker that depends on it gets, and that classpath is small: no
 * ONNX Runtime, no DJL, no Flink. The test classpath cannot show the first: a jar declared
 * test-scoped here would hide a runtime need of a dependency (it did: jackson-databind, which Avro
 * needs to parse its schemas).
 */
class RuntimeClasspathIT {

    private static final Path MODULE = Paths.get("").toAbsolutePath();

    /**
     * A JVM started without options, as a ranker's is by default, scores with the scalar kernel;
     * with {@code --add-modules jdk.incubator.vector}, with the vector one.
     */
    @ParameterizedTest
    @EnumSource(PolyScorer.Kernel.class)
    void rankingFromWireBytesRunsOnTheRuntimeClasspathAlone(PolyScorer.Kernel kernel)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        if (kernel == PolyScorer.Kernel.VECTOR) {
            command.add("--add-modules=jdk.incubator.vector");
        }
        command.add("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.embsum.avro");
        // test-classes only for RankFromWireBytes itself: none of its imports is a test jar
        command.add("-cp");
        command.add(
                String.join(
                        File.pathSeparator,
                        MODULE.resolve("target/classes").toString(),
                        MODULE.resolve("target/test-classes").toString(),
                        runtimeClasspath()));
        command.add(RankFromWireBytes.class.getName());
        Path log = Files.createTempFile("ranker", ".out");
        try {
            Process child =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
            assertThat(child.waitFor(2, TimeUnit.MINUTES)).as("exited within 2 min").isTrue();
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(child.exitValue()).as("exit status; output:%n%s", output).isZero();
            assertThat(output.lines().filter(l -> l.startsWith("N-")))
                    .containsExactly("N-near", "N-far");
            assertThat(output.lines()).contains("kernel " + kernel);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void theRuntimeClasspathHoldsNoModelRuntimeAndNoFlink() throws Exception {
        List<String> jars = Arrays.asList(runtimeClasspath().split(File.pathSeparator));
        assertThat(jars)
                .isNotEmpty()
                .noneMatch(
                        jar ->
                                jar.contains("onnxruntime")
                                        || jar.contains("/ai/djl/")
                                        || jar.contains("/org/apache/flink/")
                                        || jar.contains("inference-runtime"));
    }

    private static String runtimeClasspath() throws Exception {
        return Files.readString(
                        MODULE.resolve("target/runtime-classpath.txt"), StandardCharsets.UTF_8)
                .strip();
    }
}
