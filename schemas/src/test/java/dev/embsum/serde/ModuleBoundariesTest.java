package dev.embsum.serde;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.embsum.annotation.ModuleRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** schemas' boundaries (docs/architecture.md, "Module boundaries"); its tests included. */
class ModuleBoundariesTest {

    private static JavaClasses module;

    @BeforeAll
    static void importModule() {
        module = ModuleRules.classesOf(SingleObjectCodec.class, ModuleBoundariesTest.class);
    }

    /**
     * flink-core is provided here, so it reaches no dependent's classpath (a ranker's has no
     * Flink); this keeps Flink in the one package of adapters to Flink's interfaces.
     */
    @Test
    void onlyTheFlinkAdaptersUseFlink() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.embsum.serde.flink..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.apache.flink..")
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
                .check(ModuleRules.classesOf(SingleObjectCodec.class));
    }
}
