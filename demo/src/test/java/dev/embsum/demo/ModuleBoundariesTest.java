package dev.embsum.demo;

import dev.embsum.annotation.AbstractModuleBoundariesTest;

/**
 * demo's boundaries (docs/architecture.md, "Module boundaries"); its tests included. The inherited
 * rules already keep it off flink-jobs' internal packages: it runs the job through its API only.
 */
class ModuleBoundariesTest extends AbstractModuleBoundariesTest {

    ModuleBoundariesTest() {
        super(EmbeddedDemo.class);
    }
}
