package dev.embsum.runtime.text;

/**
 * Field cleaning of docs/text-contract.md section 2: null is missing; otherwise leading and
 * trailing whitespace is stripped, and a value that is then empty is missing. Nothing else changes
 * (the tokenizer normalises).
 *
 * <p>"Whitespace" is Python's {@code str.isspace()}, because the Python side strips with {@code
 * str.strip()}. Java's {@link String#strip()} is not the same set: it keeps U+0085, U+00A0, U+2007
 * and U+202F, which Python removes; a title ending in a no-break space would otherwise tokenize
 * differently in the two languages.
 */
public final class TextCleaning {

    private TextCleaning() {}

    /** The cleaned value, or null when the field is missing. */
    public static String clean(String value) {
        if (value == null) {
            return null;
        }
        String stripped = pythonStrip(value);
        return stripped.isEmpty() ? null : stripped;
    }

    /** {@code value.strip()} with Python's whitespace definition. */
    public static String pythonStrip(String value) {
        int start = 0;
        int end = value.length();
        // Every Python whitespace code point is in the BMP, so chars suffice; a surrogate is
        // never whitespace, so pairs are never split.
        while (start < end && isPythonSpace(value.charAt(start))) {
            start++;
        }
        while (end > start && isPythonSpace(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(start, end);
    }

    /** Python 3 {@code str.isspace()} for one code point (Unicode WS/B/S bidi classes + Zs). */
    public static boolean isPythonSpace(int c) {
        return switch (c) {
            case 0x09,
                    0x0A,
                    0x0B,
                    0x0C,
                    0x0D,
                    0x1C,
                    0x1D,
                    0x1E,
                    0x1F,
                    0x20,
                    0x85,
                    0xA0,
                    0x1680,
                    0x2028,
                    0x2029,
                    0x202F,
                    0x205F,
                    0x3000 ->
                    true;
            default -> c >= 0x2000 && c <= 0x200A;
        };
    }
}
