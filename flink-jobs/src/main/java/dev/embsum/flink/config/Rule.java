package dev.embsum.flink.config;

import dev.embsum.annotation.PublicEvolving;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.util.TimeUtils;

/**
 * The values an option accepts, beyond its type: how a value is written in a config file or flag
 * ({@link #parse}, {@link #format}), which values are valid ({@link #check}), and the phrase an
 * error shows ({@link #expected}). Declared next to each option ({@link OptionGroup#add}), so a
 * typo such as {@code --history.size 0} fails at start with a message instead of reaching an
 * operator.
 *
 * @param <T> the option's value type
 */
@PublicEvolving
public final class Rule<T> {

    /** Any non-blank string (surrounding blanks removed). */
    public static final Rule<String> TEXT =
            new Rule<>(
                    "expected a non-empty string",
                    Function.identity(),
                    v -> !v.isBlank(),
                    Function.identity());

    /** A Kafka topic name, as the broker accepts it. */
    public static final Rule<String> TOPIC =
            new Rule<>(
                    "expected a Kafka topic name: 1-249 characters of [a-zA-Z0-9._-]",
                    Function.identity(),
                    v -> v.matches("[a-zA-Z0-9._-]{1,249}"),
                    Function.identity());

    /**
     * A non-negative duration with a unit, as Flink writes it ({@code 50ms}, {@code 30s}, {@code
     * 10min}).
     */
    public static final Rule<Duration> DURATION =
            new Rule<>(
                    "expected a duration such as 50ms, 1s, 10min, 2h or 30d",
                    TimeUtils::parseDuration,
                    d -> !d.isNegative(),
                    Rule::formatDuration);

    /** A size in bytes with an optional unit ({@code 0}, {@code 64mb}, {@code 1gb}). */
    public static final Rule<MemorySize> MEMORY =
            new Rule<>(
                    "expected a size such as 0, 64mb or 1gb",
                    MemorySize::parse,
                    m -> true,
                    Rule::formatMemory);

    private final String expected;
    private final Function<String, T> parser;
    private final Predicate<T> valid;
    private final Function<T, String> formatter;

    private Rule(
            String expected,
            Function<String, T> parser,
            Predicate<T> valid,
            Function<T, String> formatter) {
        this.expected = expected;
        this.parser = parser;
        this.valid = valid;
        this.formatter = formatter;
    }

    /** A whole number {@code >= min}. */
    public static Rule<Integer> atLeast(int min) {
        return new Rule<>(
                "expected a whole number >= " + min,
                Integer::parseInt,
                n -> n >= min,
                String::valueOf);
    }

    /**
     * One of an enum's constants, each written as {@code spelling} gives it (exactly, no case
     * folding).
     */
    public static <E extends Enum<E>> Rule<E> oneOf(Class<E> type, Function<E, String> spelling) {
        E[] constants = type.getEnumConstants();
        String names = Arrays.stream(constants).map(spelling).collect(Collectors.joining(" or "));
        return new Rule<>(
                "expected " + names,
                v ->
                        Arrays.stream(constants)
                                .filter(c -> spelling.apply(c).equals(v))
                                .findFirst()
                                .orElseThrow(
                                        () -> new IllegalArgumentException("not one of " + names)),
                c -> true,
                spelling);
    }

    /** The phrase an error message shows, e.g. "expected a whole number >= 1". */
    public String expected() {
        return expected;
    }

    /**
     * The value written as {@code text} (surrounding blanks ignored).
     *
     * @throws IllegalArgumentException if it does not parse or is out of range
     */
    public T parse(String text) {
        T value = parser.apply(Objects.requireNonNull(text, "text").strip());
        check(value);
        return value;
    }

    /**
     * Refuses a value set in code that a config file could not have set.
     *
     * @throws IllegalArgumentException if {@code value} is null or out of range
     */
    public void check(T value) {
        if (value == null || !valid.test(value)) {
            throw new IllegalArgumentException("out of range: " + value);
        }
    }

    /** How a config file writes {@code value}; {@link #parse} reads it back as the same value. */
    public String format(T value) {
        return formatter.apply(value);
    }

    /** The largest unit that is exact: 30d, 2min, 50ms ("0" for zero, like the files write it). */
    static String formatDuration(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        if (d.getNano() == 0) {
            long s = d.getSeconds();
            return s % 86_400 == 0
                    ? s / 86_400 + "d"
                    : s % 3_600 == 0 ? s / 3_600 + "h" : s % 60 == 0 ? s / 60 + "min" : s + "s";
        }
        long ns = d.toNanos();
        return ns % 1_000_000 == 0
                ? ns / 1_000_000 + "ms"
                : ns % 1_000 == 0 ? ns / 1_000 + "us" : ns + "ns";
    }

    /** The largest unit that is exact: 256mb, 1gb, 512kb, or plain bytes. */
    static String formatMemory(MemorySize m) {
        long b = m.getBytes();
        if (b == 0) {
            return "0";
        }
        return b % (1L << 30) == 0
                ? (b >> 30) + "gb"
                : b % (1L << 20) == 0
                        ? (b >> 20) + "mb"
                        : b % (1L << 10) == 0 ? (b >> 10) + "kb" : String.valueOf(b);
    }
}
