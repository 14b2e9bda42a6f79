package dev.embsum.runtime;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** File helpers of the tests (of this module and, through its test-jar, of others). */
public final class TestFiles {

    private TestFiles() {}

    /**
     * Copies the directory {@code source} with everything below it to {@code target}, which must
     * not exist yet (its parent is created).
     *
     * @return {@code target}
     */
    public static Path copyTree(Path source, Path target) throws IOException {
        Files.walkFileTree(
                source,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(
                            Path dir, BasicFileAttributes attributes) throws IOException {
                        Files.createDirectories(target.resolve(source.relativize(dir).toString()));
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
                            throws IOException {
                        Files.copy(file, target.resolve(source.relativize(file).toString()));
                        return FileVisitResult.CONTINUE;
                    }
                });
        return target;
    }
}
