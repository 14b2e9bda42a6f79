package dev.embsum.cli.internal;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RFC 4180 CSV with a header row, as Python's {@code csv.DictReader} reads the Goodreads files:
 * comma-separated, fields optionally in double quotes, {@code ""} for a quote inside quotes, and
 * line breaks inside quoted fields (book descriptions span lines).
 */
public final class CsvReader implements Closeable {

    private final BufferedReader in;
    private final Path file;
    private final Map<String, Integer> columns = new HashMap<>();
    private long line = 1;
    private long recordLine;

    private CsvReader(Path file) throws IOException {
        this.file = file;
        this.in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        List<String> header = next();
        if (header == null) {
            in.close();
            throw new IOException(file + ": empty file, expected a header row");
        }
        for (int i = 0; i < header.size(); i++) {
            columns.put(header.get(i).strip().replace("\uFEFF", ""), i);
        }
    }

    /** Opens {@code file} and reads its header. */
    public static CsvReader open(Path file) throws IOException {
        return new CsvReader(file);
    }

    /**
     * The column's index; an {@link IOException} naming the file and the columns it has if it is
     * missing.
     */
    public int column(String name) throws IOException {
        Integer i = columns.get(name);
        if (i == null) {
            throw new IOException(
                    file + ": no column '" + name + "' (it has " + columns.keySet() + ")");
        }
        return i;
    }

    /** The line the last record returned by {@link #next()} started on (for messages). */
    public long recordLine() {
        return recordLine;
    }

    /** The next record's fields, or null at the end of the file. */
    public List<String> next() throws IOException {
        recordLine = line;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        int c;
        while ((c = in.read()) != -1) {
            any = true;
            if (quoted) {
                if (c == '"') {
                    in.mark(1);
                    int d = in.read();
                    if (d == '"') {
                        field.append('"');
                    } else {
                        quoted = false;
                        if (d != -1) {
                            in.reset();
                        }
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    field.append((char) c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else if (c == '\n') {
                line++;
                break;
            } else if (c != '\r') {
                field.append((char) c);
            }
        }
        if (!any) {
            return null;
        }
        if (quoted) {
            throw new IOException(
                    file
                            + ":"
                            + recordLine
                            + ": a quoted field is not closed before the end of the file");
        }
        fields.add(field.toString());
        return fields;
    }

    /** The field of {@code record} at {@code column}, or "" when the row is shorter. */
    public static String field(List<String> record, int column) {
        return column < record.size() ? record.get(column) : "";
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
