package dev.embsum.annotation;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;

/**
 * The module-boundary rules every module's ArchUnit test checks (docs/architecture.md, "Module
 * boundaries"). A module's classes are told apart by where they were loaded from (its {@code
 * target/classes}, or its jar), not by package name: two modules may share a package prefix ({@code
 * dev.embsum.avro} in schemas, {@code dev.embsum.avro.state} in flink-jobs).
 */
public final class ModuleRules {

    private ModuleRules() {}

    /**
     * One module's classes: everything in the directories or jars that the given classes were
     * loaded from; pass one production class, and one test class to check the tests too.
     */
    public static JavaClasses classesOf(Class<?>... oneClassPerLocation) {
        List<URL> locations = new ArrayList<>();
        for (Class<?> c : oneClassPerLocation) {
            locations.add(c.getProtectionDomain().getCodeSource().getLocation());
        }
        return new ClassFileImporter().importUrls(locations);
    }

    /**
     * No class of {@code module} depends on a class of an {@code ..internal..} package that is not
     * part of {@code module} itself. Check it against {@code module}.
     */
    public static ArchRule noInternalPackageOfAnotherModule(JavaClasses module) {
        // an array type is in its element type's module (an enum's values() returns one)
        DescribedPredicate<JavaClass> ofAnotherModule =
                DescribedPredicate.describe(
                        "belong to another module",
                        c -> !module.contain(c.getBaseComponentType().getName()));
        return noClasses()
                .should()
                .dependOnClassesThat(resideInAPackage("..internal..").and(ofAnotherModule))
                .because(
                        "an internal package is for its own module only (@Internal): it may change in any commit");
    }

    /**
     * Every {@code ..internal..} package says so: its {@code package-info.java} is annotated {@link
     * Internal}. Holds trivially for a module without internal packages.
     */
    public static ArchRule internalPackagesAreMarkedInternal() {
        return classes()
                .that()
                .resideInAPackage("..internal..")
                .should(
                        new ArchCondition<JavaClass>("be in a package annotated @Internal") {
                            @Override
                            public void check(JavaClass c, ConditionEvents events) {
                                if (!c.getPackage().isAnnotatedWith(Internal.class)) {
                                    events.add(
                                            SimpleConditionEvent.violated(
                                                    c,
                                                    "package "
                                                            + c.getPackageName()
                                                            + " of "
                                                            + c.getName()
                                                            + " has no package-info.java annotated @Internal"));
                                }
                            }
                        })
                .allowEmptyShould(true);
    }
}
