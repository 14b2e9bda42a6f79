package dev.embsum.serde;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import dev.embsum.annotation.AbstractModuleBoundariesTest;
import org.junit.jupiter.api.Test;

/** schemas' boundaries (docs/architecture.md, "Module boundaries"); its tests included. */
class ModuleBoundariesTest extends AbstractModuleBoundariesTest {

    ModuleBoundariesTest() {
        super(SingleObjectCodec.class);
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
}
