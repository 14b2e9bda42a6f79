package dev.embsum.flink;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import dev.embsum.annotation.AbstractModuleBoundariesTest;
import org.junit.jupiter.api.Test;

/**
 * flink-jobs' boundaries (docs/architecture.md, "Module boundaries"); its tests included.
 *
 * <p>{@code dev.embsum.flink} and its internal packages use each other (the jobs wire the internal
 * operators; {@code internal.kafka} implements {@code JobSources}, {@code internal.model} reads the
 * job's options), so the package-cycle rule covers the internal packages among themselves: the
 * layers of the model path ({@code batching} uses {@code model} and {@code ordering}, never the
 * other way round) and the operators around them stay one-directional.
 */
class ModuleBoundariesTest extends AbstractModuleBoundariesTest {

    ModuleBoundariesTest() {
        super(EmbSumJob.class);
    }

    /** The internal packages among themselves (class comment). */
    @Override
    @Test
    protected void packagesHaveNoCycles() {
        slices().matching("dev.embsum.flink.internal.(*)..")
                .should()
                .beFreeOfCycles()
                .check(production());
    }
}
