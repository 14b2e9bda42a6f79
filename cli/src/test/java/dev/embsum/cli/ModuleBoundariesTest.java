package dev.embsum.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import dev.embsum.annotation.AbstractModuleBoundariesTest;
import org.junit.jupiter.api.Test;

/** cli's boundaries (docs/architecture.md, "Module boundaries"); its tests included. */
class ModuleBoundariesTest extends AbstractModuleBoundariesTest {

    ModuleBoundariesTest() {
        super(Embsum.class);
    }

    @Test
    void usesNoInternalPackageOfTheJobs() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.embsum.flink.internal..")
                .check(module);
    }

    /**
     * The CLI runs nothing of the job module (the MIND replay of produce is the Flink-free replay
     * module), so its runtime classpath carries no Flink. The tests may start the jobs through
     * their API.
     */
    @Test
    void runsNothingOfTheJobModuleOrOfFlink() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.embsum.flink..", "org.apache.flink..")
                .because(
                        "records, serde and dead-letter kinds are in schemas, Recommender in ranker,"
                                + " MindReplay in replay")
                .check(production());
    }
}
