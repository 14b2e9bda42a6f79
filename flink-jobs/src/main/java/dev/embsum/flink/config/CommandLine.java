package dev.embsum.flink.config;

import dev.embsum.flink.InvalidConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A job's command line: {@code --config FILE} (at most once) and {@code --key value} flags, which
 * win over the file wherever they stand.
 *
 * @param file the {@code --config} file, or null
 * @param flags the flags in command-line order
 */
record CommandLine(Path file, List<Setting> flags) {

    /**
     * Splits {@code args}, handing each flag to {@code check} as it is read, so the first bad
     * argument is the one reported.
     *
     * @param example a flag for messages, e.g. "history.size 60"
     * @throws InvalidConfigException for an argument that is no {@code --key value} pair
     */
    static CommandLine parse(String[] args, String example, Consumer<Setting> check) {
        List<Setting> flags = new ArrayList<>();
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new InvalidConfigException(
                        "unexpected argument '"
                                + arg
                                + "': arguments are --key value pairs (e.g. --"
                                + example
                                + ")");
            }
            if (i + 1 >= args.length) {
                throw new InvalidConfigException(
                        "flag " + arg + " has no value: give it as " + arg + " VALUE");
            }
            String key = arg.substring(2);
            String value = args[++i];
            if (key.equals("config")) {
                if (file != null) {
                    throw new InvalidConfigException(
                            "--config is given twice ("
                                    + file
                                    + " and "
                                    + value
                                    + "): give one file; flags override single keys");
                }
                file = Path.of(value);
            } else {
                Setting flag = new Setting(key, value, "flag --" + key);
                check.accept(flag);
                flags.add(flag);
            }
        }
        return new CommandLine(file, List.copyOf(flags));
    }
}
