package dev.embsum.runtime;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import dev.embsum.annotation.AbstractModuleBoundariesTest;
import dev.embsum.runtime.inference.EmbSumRuntime;
import org.junit.jupiter.api.Test;

/**
 * inference-runtime's boundaries (docs/architecture.md, "Module boundaries"); its tests included.
 *
 * <p>No package-cycle rule: {@code bundle} and {@code bundle.internal} use each other (the manifest
 * parses through the internal {@code ManifestNode}, which throws the public {@code
 * BundleException}), as an API package and its internal helpers tend to.
 */
class ModuleBoundariesTest extends AbstractModuleBoundariesTest {

    ModuleBoundariesTest() {
        super(EmbSumRuntime.class);
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
}
