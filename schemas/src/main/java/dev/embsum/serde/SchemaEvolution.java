package dev.embsum.serde;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * The project's schema evolution rule (docs/design.md 2): a new schema must be both backward
 * compatible (it can read data written with the old one) and forward compatible (the old one can
 * read data written with it) with every released version.
 */
public final class SchemaEvolution {

    private SchemaEvolution() {}

    /**
     * Problems of {@code candidate} against {@code released}, one line each; empty when it is
     * backward and forward compatible.
     */
    public static List<String> problems(Schema candidate, Schema released) {
        List<String> problems = new ArrayList<>();
        check("backward (new reads old)", candidate, released, problems);
        check("forward (old reads new)", released, candidate, problems);
        return problems;
    }

    private static void check(
            String direction, Schema reader, Schema writer, List<String> problems) {
        SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() != SchemaCompatibilityType.COMPATIBLE) {
            result.getResult()
                    .getIncompatibilities()
                    .forEach(
                            i ->
                                    problems.add(
                                            direction
                                                    + ": "
                                                    + i.getType()
                                                    + " at "
                                                    + i.getLocation()
                                                    + ": "
                                                    + i.getMessage()));
            if (result.getResult().getIncompatibilities().isEmpty()) {
                problems.add(direction + ": " + result.getDescription());
            }
        }
    }
}
