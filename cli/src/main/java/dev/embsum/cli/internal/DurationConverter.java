package dev.embsum.cli.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as the job's settings write them: {@code 500ms}, {@code 10s}, {@code 2min}, {@code 1h},
 * {@code 1d}.
 */
public final class DurationConverter implements ITypeConverter<Duration> {

    private static final Pattern AMOUNT = Pattern.compile("(\\d+)\\s*(ms|s|m|min|h|d)");

    @Override
    public Duration convert(String value) {
        Matcher m = AMOUNT.matcher(value.strip().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m", "min" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(value.strip()); // ISO-8601, e.g. PT30S
        } catch (DateTimeParseException e) {
            throw new TypeConversionException(
                    "'" + value + "' is not a duration: write e.g. 500ms, 10s, 2min, 1h");
        }
    }
}
