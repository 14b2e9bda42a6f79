package dev.embsum.ranker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The model bundle whose golden scores the tests reproduce: {@code -Dembsum.test.bundle}, else the
 * committed demo bundle {@code <embsum.root>/models/demo}. Never skipped: a missing bundle fails
 * the build.
 *
 * <p>The same rule as inference-runtime's {@code dev.embsum.runtime.TestBundle}, restated here
 * because that class comes in inference-runtime's test-jar, which would put ONNX Runtime and DJL on
 * the classpath of the one module that promises rankers to run without them.
 */
final class TestBundle {

    private TestBundle() {}

    static Path dir() {
        String override = System.getProperty("embsum.test.bundle");
        Path dir =
                override != null && !override.isBlank()
                        ? Paths.get(override)
                        : Paths.get(System.getProperty("embsum.root", ".")).resolve("models/demo");
        if (!Files.isRegularFile(dir.resolve("manifest.json"))) {
            throw new IllegalStateException(
                    "no model bundle at "
                            + dir.toAbsolutePath()
                            + " (the demo bundle is committed at models/demo; rebuild it with"
                            + " scripts/build-demo-bundle.sh, or point -Dembsum.test.bundle at one)");
        }
        return dir;
    }
}
