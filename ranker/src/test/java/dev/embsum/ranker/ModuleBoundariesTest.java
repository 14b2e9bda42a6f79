package dev.embsum.ranker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import dev.embsum.annotation.AbstractModuleBoundariesTest;
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
}
