package dev.embsum.demo;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import dev.embsum.annotation.AbstractModuleBoundariesTest;
import org.junit.jupiter.api.Test;

/** demo's boundaries (docs/architecture.md, "Module boundaries"); its tests included. */
class ModuleBoundariesTest extends AbstractModuleBoundariesTest {

    ModuleBoundariesTest() {
        super(EmbeddedDemo.class);
    }

    /** The demo runs the job as a user of its API would: through EmbSumJob, never its insides. */
    @Test
    void usesNoInternalPackageOfTheJobs() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.embsum.flink.internal..")
                .check(module);
    }
}
