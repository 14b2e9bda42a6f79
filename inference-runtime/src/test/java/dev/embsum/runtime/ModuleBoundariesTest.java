package dev.embsum.runtime;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import dev.embsum.annotation.AbstractModuleBoundariesTest;
import dev.embsum.runtime.inference.EmbSumRuntime;
import org.junit.jupiter.api.Test;

/**
 * inference-runtime's boundaries (docs/architecture.md, "Module boundaries"); its tests included.
 *
 * <p>The inherited package-cycle rule holds here in particular for {@code bundle.internal}: it uses
 * nothing of {@code bundle}; the helpers that work on the bundle's own types (manifest nodes, file
 * verification, extraction) live, package-private, in {@code bundle} itself.
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
