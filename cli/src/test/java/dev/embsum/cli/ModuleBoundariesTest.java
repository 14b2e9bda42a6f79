package dev.embsum.cli;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.embsum.annotation.ModuleRules;
import dev.embsum.flink.demo.MindReplay;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** cli's boundaries (docs/architecture.md, "Module boundaries"); its tests included. */
class ModuleBoundariesTest {

    private static JavaClasses module;
    private static JavaClasses production;

    @BeforeAll
    static void importModule() {
        module = ModuleRules.classesOf(Embsum.class, ModuleBoundariesTest.class);
        production = ModuleRules.classesOf(Embsum.class);
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
                .check(production);
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
        slices().matching("dev.embsum.(**)").should().beFreeOfCycles().check(production);
    }
}
