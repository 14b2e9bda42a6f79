package dev.embsum.ranker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.embsum.annotation.ModuleRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ranker's boundaries (docs/architecture.md, "Module boundaries"); its tests included. */
class ModuleBoundariesTest {

    private static JavaClasses module;

    @BeforeAll
    static void importModule() {
        module = ModuleRules.classesOf(PolyScorer.class, ModuleBoundariesTest.class);
    }

    /** What rankers get this module for: scoring without Flink or the model's native libraries. */
    @Test
    void usesNoFlinkNoModelRuntimeAndNoTokenizer() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.apache.flink..",
                        "ai.onnxruntime..",
                        "ai.djl..",
                        "dev.embsum.runtime..",
                        "dev.embsum.flink..")
                .check(module);
    }

    @Test
    void usesNoInternalPackageOfAnotherModule() {
        ModuleRules.noInternalPackageOfAnotherModule(module).check(module);
    }

    @Test
    void internalPackagesAreMarkedInternal() {
        ModuleRules.internalPackagesAreMarkedInternal().check(module);
    }

    /** Production code only: a test may well reach from one package into another and back. */
    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.embsum.(**)")
                .should()
                .beFreeOfCycles()
                .check(ModuleRules.classesOf(PolyScorer.class));
    }
}
