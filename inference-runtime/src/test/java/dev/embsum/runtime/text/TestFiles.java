package dev.embsum.runtime.text;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates repository files from tests, whatever the working directory. */
final class TestFiles {

    private TestFiles() {}

    /**
     * The repository root: system property {@code embsum.root} (set by surefire), else the first
     * directory upwards from the working directory that holds {@code docs/text-contract.md}.
     */
    static Path root() {
        String prop = System.getProperty("embsum.root");
        if (prop != null && !prop.isBlank() && Files.isDirectory(Paths.get(prop, "models"))) {
            return Paths.get(prop).toAbsolutePath().normalize();
        }
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docs/text-contract.md"))) {
                return dir;
            }
        }
        throw new IllegalStateException("repository root not found: set -Dembsum.root");
    }

    /**
     * The committed tokenizer, {@code models/t5-small-tokenizer/tokenizer.json}. A developer may
     * point {@code embsum.tokenizer.json} at another copy; the golden test never does.
     */
    static Path tokenizerJson() {
        String override = System.getProperty("embsum.tokenizer.json");
        if (override != null && !override.isBlank()) {
            return Paths.get(override);
        }
        return committedTokenizerJson();
    }

    static Path committedTokenizerJson() {
        return root().resolve("models/t5-small-tokenizer/tokenizer.json");
    }

    /**
     * The committed golden file, {@code schemas/golden/text-contract.json}. A developer may point
     * {@code embsum.golden} at a freshly generated copy.
     */
    static Path goldenFile() {
        String override = System.getProperty("embsum.golden");
        if (override != null && !override.isBlank()) {
            return Paths.get(override);
        }
        return root().resolve("schemas/golden/text-contract.json");
    }
}
