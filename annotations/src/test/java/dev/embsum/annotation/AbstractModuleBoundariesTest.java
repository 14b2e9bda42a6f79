package dev.embsum.annotation;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The boundary rules every module checks (docs/architecture.md, "Module boundaries"), over the
 * module's production classes and its tests. A module's {@code ModuleBoundariesTest} extends this,
 * names one of its production classes, and adds its own rules over {@link #module}; JUnit runs the
 * inherited tests in each.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AbstractModuleBoundariesTest {

    private final Class<?> productionClass;

    /** The module's production classes and its tests (the subclass's location). */
    protected JavaClasses module;

    /**
     * @param productionClass any class of the module's production code, to locate it
     */
    protected AbstractModuleBoundariesTest(Class<?> productionClass) {
        this.productionClass = productionClass;
    }

    @BeforeAll
    void importModule() {
        module = ModuleRules.classesOf(productionClass, getClass());
    }

    /** The module's production classes only. */
    protected JavaClasses production() {
        return ModuleRules.classesOf(productionClass);
    }

    @Test
    void usesNoInternalPackageOfAnotherModule() {
        ModuleRules.noInternalPackageOfAnotherModule(module).check(module);
    }

    @Test
    void internalPackagesAreMarkedInternal() {
        ModuleRules.internalPackagesAreMarkedInternal().check(module);
    }

    /**
     * No two packages of the module's production code use each other, directly or round a loop (a
     * test may well reach from one package into another and back). A module whose API and internal
     * packages use each other by design overrides this with a narrower rule.
     */
    @Test
    protected void packagesHaveNoCycles() {
        slices().matching("dev.embsum.(**)").should().beFreeOfCycles().check(production());
    }
}
