package dev.embsum.replay;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import dev.embsum.annotation.AbstractModuleBoundariesTest;
import org.junit.jupiter.api.Test;

/** replay's boundaries (docs/architecture.md, "Module boundaries"); its tests included. */
class ModuleBoundariesTest extends AbstractModuleBoundariesTest {

    ModuleBoundariesTest() {
        super(MindReplay.class);
    }

    /**
     * The CLI's `produce` runs the replay: it must not bring Flink, the job or the model's native
     * libraries onto the CLI's classpath.
     */
    @Test
    void usesNoFlinkNoJobAndNoModelRuntime() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.apache.flink..",
                        "dev.embsum.flink..",
                        "ai.onnxruntime..",
                        "ai.djl..",
                        "dev.embsum.runtime..")
                .check(module);
    }
}
