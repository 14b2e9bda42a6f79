package dev.embsum.cli;

import dev.embsum.cli.internal.CliFailure;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code embsum} launcher (scripts/embsum): one command per operator task on a running
 * embsum-stream deployment. Exit status 0 = done, 1 = failed (the message says why and what to do),
 * 2 = bad arguments (the message names the argument; {@code --help} shows the usage).
 */
@Command(
        name = "embsum",
        mixinStandardHelpOptions = true,
        versionProvider = Embsum.Version.class,
        description =
                "Operate embsum-stream: feed it data, watch its output, rank with it, release models,"
                        + " replay dead letters.",
        subcommands = {
            ProduceCommand.class,
            TailCommand.class,
            ScoreCommand.class,
            ReleaseCommand.class,
            DlqCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Kafka: --bootstrap-servers (default localhost:9092, or $EMBSUM_BOOTSTRAP_SERVERS) and"
                    + " --kafka KEY=VALUE for any client setting (TLS, SASL). Logs: $EMBSUM_LOG_LEVEL (default warn).",
            "Run 'embsum COMMAND --help' for a command's options."
        })
public final class Embsum implements Runnable {

    /** Exit status of a command that failed for a reason its message explains. */
    public static final int FAILED = 1;

    /** Exit status of bad arguments (picocli's usage status). */
    public static final int BAD_ARGUMENTS = CommandLine.ExitCode.USAGE;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "embsum-cli-log4j2.properties");
        }
        int status = run(System.out, System.err, args);
        System.exit(status); // Kafka clients may leave non-daemon threads behind
    }

    /**
     * Runs one command line with the given streams (stdout: results, stderr: progress and errors).
     */
    public static int run(PrintStream out, PrintStream err, String... args) {
        return commandLine(out, err).execute(args);
    }

    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new Embsum());
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler(Embsum::badArguments);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> failed(e, commandLine));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    /** No subcommand: the overview. */
    @Override
    public void run() {
        throw new ParameterException(
                spec.commandLine(), "a command is required: produce, tail, score, release or dlq");
    }

    /** What is wrong, a suggestion where picocli has one, and where to find the usage; status 2. */
    private static int badArguments(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(cl.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Run '" + cl.getCommandSpec().qualifiedName() + " --help' for its usage.");
        err.flush();
        return BAD_ARGUMENTS;
    }

    /**
     * A {@link CliFailure} is the expected way to fail: its message only. Anything else: with its
     * causes.
     */
    private static int failed(Exception e, CommandLine cl) {
        PrintWriter err = cl.getErr();
        if (e instanceof CliFailure) {
            err.println(cl.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        } else {
            err.println(cl.getCommandSpec().qualifiedName() + " failed: " + e);
            for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                err.println("  caused by: " + c);
            }
            err.println("(EMBSUM_LOG_LEVEL=debug shows the clients' logs)");
        }
        err.flush();
        return FAILED;
    }

    /** The project version, from the jar manifest when packaged. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Embsum.class.getPackage().getImplementationVersion();
            return new String[] {"embsum " + (v == null ? "(development build)" : v)};
        }
    }
}
