package dev.embsum.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The model bundle the module's tests run: {@code -Dembsum.test.bundle}, else the committed demo
 * bundle {@code <embsum.root>/models/demo}. Never skipped: without a bundle nothing shows that Java
 * reproduces the model, so a missing one fails the build.
 */
public final class TestBundle {

    private TestBundle() {}

    public static Path dir() {
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
