package dev.embsum.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs the CLI in this JVM as scripts/embsum would, capturing stdout and stderr. */
final class Cli {

    record Result(int status, String out, String err) {
        @Override
        public String toString() {
            return "status " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {}

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Embsum.run(o, e, args);
        }
        return new Result(
                status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code command}, then {@code options}, against the test broker. */
    static Result run(TestKafka kafka, List<String> command, String... options) {
        List<String> args = new ArrayList<>(command);
        args.addAll(List.of(options));
        args.add("--bootstrap-servers");
        args.add(kafka.bootstrap());
        return run(args.toArray(String[]::new));
    }
}
