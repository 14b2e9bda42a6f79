package dev.embsum.serde;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 instantiates only trusted classes when decoding into generated records. The project
 * trusts its package with the JVM option {@code
 * -Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.embsum.avro} (Surefire sets it); a main that cannot
 * pass JVM options calls {@link #trustProjectRecords()} instead. This is safe here because the
 * codec resolves only schemas compiled into this module, never a schema taken from the data.
 */
public final class AvroTrust {

    /** The package of the generated record classes. */
    public static final String PACKAGE = "dev.embsum.avro";

    private AvroTrust() {}

    /** Adds the generated record package to Avro's global trusted classes (idempotent). */
    public static synchronized void trustProjectRecords() {
        ClassSecurityValidator.ClassSecurityPredicate global = ClassSecurityValidator.getGlobal();
        if (!global.isTrusted(dev.embsum.avro.ClickEvent.class)) {
            ClassSecurityValidator.setGlobal(
                    ClassSecurityValidator.composite(
                            global, c -> c.getName().startsWith(PACKAGE + ".")));
        }
    }

    /**
     * Fails fast, with the fix in the message, when Avro would refuse to build {@code type};
     * otherwise every decode would fail later with an error that looks like bad data.
     */
    static void requireTrusted(Class<?> type) {
        if (!ClassSecurityValidator.getGlobal().isTrusted(type)) {
            throw new IllegalStateException(
                    "Avro does not trust "
                            + type.getName()
                            + ": start the JVM with -Dorg.apache.avro.SERIALIZABLE_PACKAGES="
                            + PACKAGE
                            + " or call "
                            + AvroTrust.class.getName()
                            + ".trustProjectRecords() first");
        }
    }
}
