package dev.embsum.flink;

import dev.embsum.flink.config.JobSettings;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/** What the jobs' {@code main} methods do with their command line. */
final class JobArgs {

    private JobArgs() {}

    /**
     * The settings {@code args} give; null once {@code --help} (or {@code -h}) printed them
     * instead. Settings that cannot run end the process ({@link #exit}).
     *
     * @param command the command's name in messages, e.g. {@code embsum-stream}
     */
    static Configuration parse(JobSettings settings, String command, String[] args) {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println(settings.help());
            return null;
        }
        try {
            return settings.fromArgs(args);
        } catch (InvalidConfigException e) {
            exit(command, e);
            return null;
        }
    }

    /** Prints what is wrong, without a stack trace, and exits with status 2. */
    static void exit(String command, InvalidConfigException e) {
        System.err.println(
                command + ": " + e.getMessage() + "\n(--help lists every key and its default)");
        System.exit(2);
    }
}
