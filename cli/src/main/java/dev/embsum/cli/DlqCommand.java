package dev.embsum.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Dead-letter handling; {@code embsum tail dead-letters} shows them. */
@Command(
        name = "dlq",
        mixinStandardHelpOptions = true,
        description = {
            "Dead-letter handling. To look at dead letters: embsum tail dead-letters --from-beginning."
        },
        subcommands = {DlqReplayCommand.class})
final class DlqCommand implements Runnable {

    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: replay");
    }
}
