package dev.embsum.serde;

import java.nio.file.Path;

/** Source paths of the schemas module, for tests that check files in the source tree. */
final class ModulePaths {

    private ModulePaths() {}

    /** The module directory (Surefire sets basedir; its working directory is the same). */
    static Path module() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    static Path avroSources() {
        return module().resolve("src/main/avro");
    }

    static Path released() {
        return module().resolve("src/main/resources/avro/released");
    }

    static Path wireVectors() {
        return module().resolve("golden/wire-vectors.json");
    }
}
