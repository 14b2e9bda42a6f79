package dev.embsum.flink;

import dev.embsum.annotation.AbstractModuleBoundariesTest;

/**
 * flink-jobs' boundaries (docs/architecture.md, "Module boundaries"); its tests included.
 *
 * <p>No package-cycle rule: {@code dev.embsum.flink} and its internal packages use each other (the
 * jobs wire the internal operators; {@code internal.kafka} implements {@code JobSources}, {@code
 * internal.inference} reads the job's options).
 */
class ModuleBoundariesTest extends AbstractModuleBoundariesTest {

    ModuleBoundariesTest() {
        super(EmbSumJob.class);
    }
}
