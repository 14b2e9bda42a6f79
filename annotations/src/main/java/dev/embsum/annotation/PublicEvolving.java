package dev.embsum.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Offered to code outside this repository (a deployment that starts the jobs, a ranker that
 * scores): changes to it are deliberate and named in the change log, though not yet frozen. The
 * same meaning as Flink's {@code org.apache.flink.annotation.PublicEvolving}, in a module that
 * Flink-free code (ranker, inference-runtime) can depend on; docs/architecture.md, "Module
 * boundaries".
 *
 * <p>Public classes that carry neither this nor {@link Internal} are shared between this
 * repository's modules but not offered outside it.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.FIELD})
public @interface PublicEvolving {}
