package dev.embsum.flink.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One Flink MiniCluster for the whole test class, with the settings the job tests share: one
 * TaskManager with {@link #slots()} slots. If the class declares a static {@link
 * org.apache.flink.runtime.testutils.InMemoryReporter} field, the cluster reports its metrics
 * there. Parameters that Flink's {@code MiniClusterExtension} resolves (MiniCluster, ClusterClient,
 * ...) and the {@code InMemoryReporter} can be injected into test methods.
 *
 * <p>Replaces the {@code @RegisterExtension static MiniClusterExtension} block each test copied. A
 * {@code static @TempDir} for checkpoints next to it is still deleted only after the cluster has
 * stopped (JUnit closes it after every {@code afterAll} callback).
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(EmbSumMiniClusterExtension.class)
public @interface EmbSumMiniCluster {

    /** Task slots of the single TaskManager, i.e. the highest parallelism a job can have. */
    int slots() default 1;
}
