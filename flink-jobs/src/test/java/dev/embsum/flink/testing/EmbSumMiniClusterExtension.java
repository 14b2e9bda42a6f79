package dev.embsum.flink.testing;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The extension behind {@link EmbSumMiniCluster}: builds Flink's {@link MiniClusterExtension} from
 * the annotation and forwards every callback to it, exactly as a {@code @RegisterExtension static
 * MiniClusterExtension} field would receive them.
 */
public final class EmbSumMiniClusterExtension
        implements BeforeAllCallback,
                BeforeEachCallback,
                AfterEachCallback,
                AfterAllCallback,
                ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(EmbSumMiniClusterExtension.class);
    private static final String CLUSTER = "cluster";
    private static final String REPORTER = "reporter";

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Class<?> testClass = context.getRequiredTestClass();
        EmbSumMiniCluster settings =
                AnnotationSupport.findAnnotation(testClass, EmbSumMiniCluster.class)
                        .orElseThrow(
                                () ->
                                        new ExtensionConfigurationException(
                                                testClass + " lacks @EmbSumMiniCluster"));
        InMemoryReporter reporter = reporterOf(testClass);
        Configuration conf =
                reporter == null
                        ? new Configuration()
                        : reporter.addToConfiguration(new Configuration());
        MiniClusterExtension cluster =
                new MiniClusterExtension(
                        new MiniClusterResourceConfiguration.Builder()
                                .setConfiguration(conf)
                                .setNumberTaskManagers(1)
                                .setNumberSlotsPerTaskManager(settings.slots())
                                .build());
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        store.put(CLUSTER, cluster);
        if (reporter != null) {
            store.put(REPORTER, reporter);
        }
        cluster.beforeAll(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        cluster(context).beforeEach(context);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        cluster(context).afterEach(context);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        cluster(context).afterAll(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        if (parameter.getParameter().getType() == InMemoryReporter.class) {
            return context.getStore(NAMESPACE).get(REPORTER) != null;
        }
        return cluster(context).supportsParameter(parameter, context);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (parameter.getParameter().getType() == InMemoryReporter.class) {
            return context.getStore(NAMESPACE).get(REPORTER, InMemoryReporter.class);
        }
        return cluster(context).resolveParameter(parameter, context);
    }

    private static MiniClusterExtension cluster(ExtensionContext context) {
        MiniClusterExtension cluster =
                context.getStore(NAMESPACE).get(CLUSTER, MiniClusterExtension.class);
        if (cluster == null) {
            throw new ParameterResolutionException(
                    "no MiniCluster: the class-level @EmbSumMiniCluster did not start");
        }
        return cluster;
    }

    /**
     * The value of the test class's static {@code InMemoryReporter} field, or null if it has none.
     */
    private static InMemoryReporter reporterOf(Class<?> testClass) throws IllegalAccessException {
        InMemoryReporter found = null;
        for (Class<?> c = testClass; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers())
                        && field.getType() == InMemoryReporter.class) {
                    if (found != null) {
                        throw new ExtensionConfigurationException(
                                testClass + " has more than one InMemoryReporter");
                    }
                    field.setAccessible(true);
                    found = (InMemoryReporter) field.get(null);
                }
            }
        }
        return found;
    }
}
