package dev.embsum.cli;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One in-process KRaft broker for the whole test class ({@link TestKafka#start()}: the topics of
 * docs/design.md 2), stopped after the last test. The extension assigns it to every static {@link
 * TestKafka} field of the class before {@code @BeforeAll} methods run, and resolves {@code
 * TestKafka} parameters.
 *
 * <p>Replaces the {@code @BeforeAll startBroker} / {@code @AfterAll stopBroker} pair each command
 * test copied.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(InProcessKafkaExtension.class)
@interface InProcessKafka {}
