package dev.embsum.runtime;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.embsum.annotation.ModuleRules;
import dev.embsum.runtime.inference.EmbSumRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * inference-runtime's boundaries (docs/architecture.md, "Module boundaries"); its tests included.
 *
 * <p>No package-cycle rule: {@code bundle} and {@code bundle.internal} use each other (the manifest
 * parses through the internal {@code ManifestNode}, which throws the public {@code
 * BundleException}), as an API package and its internal helpers tend to.
 */
class ModuleBoundariesTest {

    private static JavaClasses module;

    @BeforeAll
    static void importModule() {
        module = ModuleRules.classesOf(EmbSumRuntime.class, ModuleBoundariesTest.class);
    }

    /** Plain Java building blocks: the job wraps them in Flink, other programs use them without. */
    @Test
    void usesNoFlink() {
        noClasses()
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
}
