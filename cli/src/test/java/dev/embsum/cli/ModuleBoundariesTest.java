package dev.embsum.cli;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import dev.embsum.annotation.AbstractModuleBoundariesTest;
import dev.embsum.flink.demo.MindReplay;
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
     * What the CLI runs of the job module: the demo's MIND replay (produce), nothing else. The
     * tests may start the jobs through their API.
     */
    @Test
    void runsNothingOfTheJobModuleButTheMindReplay() {
        noClasses()
                .should()
                .dependOnClassesThat(
                        resideInAPackage("dev.embsum.flink..").and(type(MindReplay.class).negate()))
                .because(
                        "records, serde and dead-letter kinds are in schemas, Recommender in ranker")
                .check(production());
    }

    /** Production code only: a test may well reach from one package into another and back. */
    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.embsum.(**)").should().beFreeOfCycles().check(production());
    }
}
