package dev.embsum.ranker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import dev.embsum.annotation.AbstractModuleBoundariesTest;
import dev.embsum.annotation.ModuleRules;
import org.junit.jupiter.api.Test;

/** ranker's boundaries (docs/architecture.md, "Module boundaries"); its tests included. */
class ModuleBoundariesTest extends AbstractModuleBoundariesTest {

    ModuleBoundariesTest() {
        super(PolyScorer.class);
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

    /** Production code only: a test may well reach from one package into another and back. */
    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.embsum.(**)")
                .should()
                .beFreeOfCycles()
                .check(ModuleRules.classesOf(PolyScorer.class));
    }
}
