package dev.embsum.annotation;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

/**
 * The shared rules catch what they are for (the fixture packages plant each violation) and nothing
 * else.
 */
class ModuleRulesTest {

    private static final String FIXTURE = "dev.embsum.annotation.fixture";

    @Test
    void anotherModulesInternalClassIsAViolation() {
        JavaClasses here = new ClassFileImporter().importPackages(FIXTURE + ".here");
        assertThatThrownBy(() -> ModuleRules.noInternalPackageOfAnotherModule(here).check(here))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(
                        "reside in a package '..internal..' and belong to another module")
                .hasMessageContaining(
                        "<"
                                + FIXTURE
                                + ".here.UsesHidden.borrowed()> calls method <"
                                + FIXTURE
                                + ".elsewhere.internal.Hidden.value()>")
                .hasMessageNotContaining("OwnKind");
    }

    @Test
    void aModulesOwnInternalClassIsNot() {
        JavaClasses both = new ClassFileImporter().importPackages(FIXTURE);
        assertThatCode(() -> ModuleRules.noInternalPackageOfAnotherModule(both).check(both))
                .doesNotThrowAnyException();
    }

    @Test
    void anInternalPackageWithoutTheAnnotationIsAViolation() {
        JavaClasses all = new ClassFileImporter().importPackages(FIXTURE);
        assertThatThrownBy(() -> ModuleRules.internalPackagesAreMarkedInternal().check(all))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(
                        "package "
                                + FIXTURE
                                + ".here.internal of "
                                + FIXTURE
                                + ".here.internal.Unmarked has no package-info.java annotated @Internal")
                .hasMessageNotContaining("elsewhere");
    }

    @Test
    void aModuleWithoutInternalPackagesPasses() {
        JavaClasses none =
                new ClassFileImporter().importClasses(Internal.class, PublicEvolving.class);
        assertThatCode(() -> ModuleRules.internalPackagesAreMarkedInternal().check(none))
                .doesNotThrowAnyException();
    }
}
