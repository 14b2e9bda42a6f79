package dev.embsum.flink.config;

import dev.embsum.flink.config.OptionGroup.Declared;
import java.util.Objects;
import org.apache.flink.configuration.Configuration;

/** A job's own default for a shared option ({@link JobSettings#withJobDefault}). */
record JobDefault<T>(Declared<T> declared, T value) {

    /** The default as a config file writes it. */
    String formatted() {
        return declared.format(value);
    }

    /** Sets the job's default where {@code conf} leaves the option at the shared default. */
    void applyTo(Configuration conf) {
        if (Objects.equals(conf.get(declared.option()), declared.option().defaultValue())) {
            conf.set(declared.option(), value);
        }
    }
}
