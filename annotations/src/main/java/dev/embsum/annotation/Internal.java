package dev.embsum.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * For its own Maven module only: may change or go in any commit, and no other module may use it (an
 * ArchUnit test in each module fails the build if one does). Every {@code ..internal..} package
 * carries it in its {@code package-info.java}, so a class added there is covered without a mark of
 * its own. The same meaning as Flink's {@code org.apache.flink.annotation.Internal}, which cannot
 * mark a package.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({
    ElementType.PACKAGE,
    ElementType.TYPE,
    ElementType.METHOD,
    ElementType.CONSTRUCTOR,
    ElementType.FIELD
})
public @interface Internal {}
