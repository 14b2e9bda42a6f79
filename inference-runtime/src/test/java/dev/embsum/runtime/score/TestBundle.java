package dev.embsum.runtime.score;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/** Locates an exported model bundle (with its golden/ files) for tests. */
final class TestBundle {

    /** Why a test that needs a bundle was skipped. */
    static final String MISSING = "no model bundle: models/demo is not there (build it with"
            + " scripts/build-demo-bundle.sh) and -Dembsum.test.bundle=<bundle dir> is not set";

    private TestBundle() {}

    /**
     * The bundle directory: system property {@code embsum.test.bundle} if set (it must then be a
     * bundle), else {@code <embsum.root>/models/demo}, or empty while the demo bundle is not
     * committed (tests then skip with {@link #MISSING}).
     */
    static Optional<Path> find() {
        String explicit = System.getProperty("embsum.test.bundle");
        if (explicit != null && !explicit.isBlank()) {
            Path bundle = Paths.get(explicit).toAbsolutePath().normalize();
            if (!Files.isDirectory(bundle.resolve("golden"))) {
                fail("-Dembsum.test.bundle=" + explicit + " is not a model bundle: no golden/ in "
                        + bundle);
            }
            return Optional.of(bundle);
        }
        String root = System.getProperty("embsum.root");
        if (root == null || root.isBlank()) {
            fail("set -Dembsum.root to the repository root, or -Dembsum.test.bundle to a bundle");
        }
        Path demo = Paths.get(root, "models", "demo").toAbsolutePath().normalize();
        return Files.isDirectory(demo.resolve("golden")) ? Optional.of(demo) : Optional.empty();
    }
}
