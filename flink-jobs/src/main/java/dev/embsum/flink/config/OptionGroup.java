package dev.embsum.flink.config;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.serde.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.description.Formatter;
import org.apache.flink.configuration.description.TextElement;

/**
 * The options one class declares (e.g. {@code EmbSumOptions}), in declaration order, each with its
 * {@link Rule}; plus the checks that span several of them. A declaration registers itself:
 *
 * <pre>{@code
 * private static final OptionGroup DECLARED = new OptionGroup("EmbSumJob", EmbSumOptions::check);
 *
 * public static final ConfigOption<Integer> HISTORY_SIZE =
 *         DECLARED.number("history.size", 60, 1, "H: newest distinct items kept per user");
 * }</pre>
 *
 * ({@link #add} for an option of a kind without its own method) so adding an option is that one
 * statement: the loader, --help and the README table ({@link JobSettings}) all read the group.
 * Filled while the declaring class initializes, read-only afterwards.
 */
@PublicEvolving
public final class OptionGroup {

    private final String name;
    private final Consumer<Configuration> crossFieldChecks;
    private final List<Declared<?>> declared = new ArrayList<>();

    /**
     * @param name whose options these are, as messages and docs name them ("EmbSumJob", "both
     *     jobs")
     * @param crossFieldChecks throws {@link dev.embsum.flink.InvalidConfigException} for a
     *     combination of values that cannot run (each value alone is checked by its rule already)
     */
    public OptionGroup(String name, Consumer<Configuration> crossFieldChecks) {
        this.name = Objects.requireNonNull(name, "name");
        this.crossFieldChecks = Objects.requireNonNull(crossFieldChecks, "crossFieldChecks");
    }

    /** A group without checks that span options. */
    public OptionGroup(String name) {
        this(name, conf -> {});
    }

    /**
     * Declares {@code option}, whose default must pass {@code rule}: a broken default is a
     * programming error, so it fails the class's initialization (and every test).
     *
     * @return {@code option}, for the {@code public static final} field
     */
    public <T> ConfigOption<T> add(ConfigOption<T> option, Rule<T> rule) {
        if (!option.hasDefaultValue()) {
            throw new IllegalStateException(
                    option.key() + ": every option has a documented default");
        }
        try {
            rule.check(option.defaultValue());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(option.key() + ": the default breaks its own rule", e);
        }
        if (declared.stream().anyMatch(d -> d.key().equals(option.key()))) {
            throw new IllegalStateException(option.key() + " is declared twice in " + name);
        }
        declared.add(new Declared<>(option, rule));
        return option;
    }

    /**
     * The name of {@code topic}: key {@code topic.<its default name>}, a Kafka topic name ({@link
     * Rule#TOPIC}), by default the topic's default name.
     */
    public ConfigOption<String> topic(Topic topic, String description) {
        String key = "topic." + topic.defaultName();
        return declare(
                ConfigOptions.key(key).stringType(), topic.defaultName(), description, Rule.TOPIC);
    }

    /** Any non-blank text ({@link Rule#TEXT}). */
    public ConfigOption<String> text(String key, String defaultValue, String description) {
        return declare(ConfigOptions.key(key).stringType(), defaultValue, description, Rule.TEXT);
    }

    /** A non-negative duration ({@link Rule#DURATION}). */
    public ConfigOption<Duration> duration(String key, Duration defaultValue, String description) {
        var type = ConfigOptions.key(key).durationType();
        return declare(type, defaultValue, description, Rule.DURATION);
    }

    /** A whole number {@code >= min} ({@link Rule#atLeast}). */
    public ConfigOption<Integer> number(String key, int defaultValue, int min, String description) {
        var type = ConfigOptions.key(key).intType();
        return declare(type, defaultValue, description, Rule.atLeast(min));
    }

    /** A size in bytes ({@link Rule#MEMORY}). */
    public ConfigOption<MemorySize> memory(
            String key, MemorySize defaultValue, String description) {
        var type = ConfigOptions.key(key).memoryType();
        return declare(type, defaultValue, description, Rule.MEMORY);
    }

    /**
     * One of an enum's constants, each written as {@code spelling} gives it ({@link Rule#oneOf}).
     */
    public <E extends Enum<E>> ConfigOption<E> choice(
            String key, E defaultValue, Function<E, String> spelling, String description) {
        Class<E> type = defaultValue.getDeclaringClass();
        return declare(
                ConfigOptions.key(key).enumType(type),
                defaultValue,
                description,
                Rule.oneOf(type, spelling));
    }

    private <T> ConfigOption<T> declare(
            ConfigOptions.TypedConfigOptionBuilder<T> type,
            T defaultValue,
            String description,
            Rule<T> rule) {
        return add(type.defaultValue(defaultValue).withDescription(description), rule);
    }

    /** Whose options these are ("EmbSumJob", "ArchiveJob", "both jobs"). */
    public String name() {
        return name;
    }

    /** The options in declaration order. */
    public List<Declared<?>> options() {
        return Collections.unmodifiableList(declared);
    }

    void checkCombination(Configuration conf) {
        crossFieldChecks.accept(conf);
    }

    /**
     * One declared option and its rule.
     *
     * @param <T> the value type
     */
    public record Declared<T>(ConfigOption<T> option, Rule<T> rule) {

        public String key() {
            return option.key();
        }

        /** The option's description as plain text (for --help, logs and the README table). */
        public String description() {
            return new PlainText().format(option.description());
        }

        /** {@code value} as a config file writes it. */
        public String format(T value) {
            return rule.format(value);
        }

        /** The default as a config file writes it, e.g. {@code 30s}. */
        public String formattedDefault() {
            return rule.format(option.defaultValue());
        }

        /** Formats a value read from a Configuration under this option's key. */
        String formatFrom(Configuration conf) {
            return rule.format(conf.get(option));
        }

        void set(Configuration conf, String text) {
            conf.set(option, rule.parse(text));
        }

        void checkIn(Configuration conf) {
            rule.check(conf.get(option));
        }
    }

    /** Flink's descriptions are structured for its HTML docs; ours are one sentence of text. */
    private static final class PlainText extends Formatter {
        @Override
        protected void formatLink(StringBuilder state, String link, String description) {
            state.append(description);
        }

        @Override
        protected void formatLineBreak(StringBuilder state) {
            state.append(' ');
        }

        @Override
        protected void formatText(
                StringBuilder state,
                String format,
                String[] elements,
                EnumSet<TextElement.TextStyle> styles) {
            state.append(String.format(format, (Object[]) elements));
        }

        @Override
        protected void formatList(StringBuilder state, String[] entries) {
            state.append(String.join("; ", entries));
        }

        @Override
        protected Formatter newInstance() {
            return new PlainText();
        }
    }
}
