package dev.embsum.demo;

import dev.embsum.flink.CommonOptions;
import dev.embsum.flink.EmbSumOptions;
import dev.embsum.flink.InvalidConfigException;
import dev.embsum.flink.config.Rule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.util.TimeUtils;

/**
 * The embedded demo's command line. Job settings ({@code --history.size 30}) are the streaming
 * job's ({@link EmbSumOptions#SETTINGS}), checked here and applied over the demo's own.
 */
record DemoOptions(
        int users,
        double clicksPerSecond,
        int show,
        Duration timeout,
        boolean keepRunning,
        Path data,
        Path bundle,
        Map<String, String> jobSettings,
        boolean help) {

    /** The demo's job name, in place of the job's default. */
    static final String JOB_NAME = "embsum-demo";

    /** The demo's checkpoint interval, in place of the job's default. */
    static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(10);

    private static final String FLAGS =
            """
            usage: bash scripts/demo.sh [flags]
              --users N                replay the first N users of data/mind/behaviors.tsv (default 200, max 3731)
              --clicks-per-second R    click publishing rate (default 500)
              --show N                 users to print at the end (default 5)
              --timeout DURATION       give up waiting for embeddings after this long (default 10min)
              --keep-running           keep broker and job up after the report, until Ctrl-C
              --data DIR               MIND sample directory (default data/mind)
              --bundle DIR             model bundle (default models/demo; verified before use)
              --KEY VALUE              any job setting (below), e.g. --inference.max-summary-tokens 16
              --help                   this text""";

    /** The flags, then every job setting with its default, from the job's own declarations. */
    static String usage() {
        return FLAGS
                + "\n\njob settings (--KEY VALUE; the demo sets "
                + CommonOptions.JOB_NAME.key()
                + " "
                + JOB_NAME
                + ", "
                + EmbSumOptions.BUNDLE_PATH.key()
                + " from --bundle, "
                + CommonOptions.CHECKPOINT_INTERVAL.key()
                + " "
                + Rule.DURATION.format(CHECKPOINT_INTERVAL)
                + " and "
                + CommonOptions.KAFKA_BOOTSTRAP_SERVERS.key()
                + " to its own broker; --KEY VALUE wins):\n"
                + EmbSumOptions.SETTINGS.optionList();
    }

    /** A command-line mistake; the message says what is wrong and how to fix it. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static DemoOptions parse(String... args) {
        int users = 200;
        double rate = 500;
        int show = 5;
        Duration timeout = Duration.ofMinutes(10);
        boolean keepRunning = false;
        Path data = Path.of("data/mind");
        Path bundle = Path.of("models/demo");
        Map<String, String> job = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--help", "-h" -> {
                    return new DemoOptions(
                            users, rate, show, timeout, false, data, bundle, job, true);
                }
                case "--keep-running" -> keepRunning = true;
                case "--users" -> users = wholeNumber(flag, value(args, i++), 1, 3731);
                case "--show" -> show = wholeNumber(flag, value(args, i++), 0, 1000);
                case "--clicks-per-second" -> rate = rate(value(args, i++));
                case "--timeout" -> timeout = duration(flag, value(args, i++));
                case "--data" -> data = Path.of(value(args, i++));
                case "--bundle" -> bundle = Path.of(value(args, i++));
                default -> {
                    if (!flag.startsWith("--") || !flag.contains(".")) {
                        throw new UsageException(
                                "unknown flag '"
                                        + flag
                                        + "'. Demo flags: --users, --clicks-per-second,"
                                        + " --show, --timeout, --keep-running, --data, --bundle; job settings look like"
                                        + " --inference.max-summary-tokens 16 (--help lists all)");
                    }
                    String key = flag.substring(2);
                    String v = value(args, i++);
                    try {
                        EmbSumOptions.SETTINGS
                                .builder()
                                .set(key, v, "flag " + flag); // checked now, applied later
                    } catch (InvalidConfigException e) {
                        throw new UsageException(e.getMessage());
                    }
                    job.put(key, v);
                }
            }
        }
        return new DemoOptions(
                users, rate, show, timeout, keepRunning, data, bundle, Map.copyOf(job), false);
    }

    private static String value(String[] args, int i) {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
            throw new UsageException(
                    "flag " + args[i] + " needs a value, e.g. " + args[i] + " " + example(args[i]));
        }
        return args[i + 1];
    }

    private static String example(String flag) {
        return switch (flag) {
            case "--users", "--show" -> "5";
            case "--clicks-per-second" -> "100";
            case "--timeout" -> "5min";
            case "--data", "--bundle" -> "DIR";
            default -> "VALUE";
        };
    }

    private static int wholeNumber(String flag, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(
                flag + " expects a whole number from " + min + " to " + max + ", got '" + v + "'");
    }

    private static double rate(String v) {
        try {
            double r = Double.parseDouble(v.strip());
            if (r > 0 && Double.isFinite(r)) {
                return r;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(
                "--clicks-per-second expects a number > 0 (e.g. 100 or 0.5), got '" + v + "'");
    }

    private static Duration duration(String flag, String v) {
        try {
            Duration d = TimeUtils.parseDuration(v.strip());
            if (!d.isNegative() && !d.isZero()) {
                return d;
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        throw new UsageException(
                flag + " expects a positive duration such as 90s, 5min or 1h, got '" + v + "'");
    }
}
