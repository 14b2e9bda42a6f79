package dev.embsum.cli;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/** The extension behind {@link InProcessKafka}. */
final class InProcessKafkaExtension
        implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(InProcessKafkaExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        TestKafka kafka = TestKafka.start();
        context.getStore(NAMESPACE).put(TestKafka.class, kafka);
        for (Class<?> c = context.getRequiredTestClass();
                c != null && c != Object.class;
                c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers()) && field.getType() == TestKafka.class) {
                    field.setAccessible(true);
                    field.set(null, kafka);
                }
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        TestKafka kafka = context.getStore(NAMESPACE).remove(TestKafka.class, TestKafka.class);
        if (kafka != null) {
            kafka.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getStore(NAMESPACE).get(TestKafka.class, TestKafka.class);
    }
}
