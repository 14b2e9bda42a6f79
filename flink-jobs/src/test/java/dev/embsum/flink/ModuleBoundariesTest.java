package dev.embsum.flink;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.embsum.annotation.ModuleRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * flink-jobs' boundaries (docs/architecture.md, "Module boundaries"); its tests included.
 *
 * <p>No package-cycle rule: {@code dev.embsum.flink} and its internal packages use each other (the
 * jobs wire the internal operators; {@code internal.kafka} implements {@code JobSources}, {@code
 * internal.inference} reads the job's options).
 */
class ModuleBoundariesTest {

    private static JavaClasses module;

    @BeforeAll
    static void importModule() {
        module = ModuleRules.classesOf(EmbSumJob.class, ModuleBoundariesTest.class);
    }

    @Test
    void usesNoInternalPackageOfAnotherModule() {
        ModuleRules.noInternalPackageOfAnotherModule(module).check(module);
    }

    @Test
    void internalPackagesAreMarkedInternal() {
        ModuleRules.internalPackagesAreMarkedInternal().check(module);
    }
}
