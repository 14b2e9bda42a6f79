package dev.embsum.flink.config;

import dev.embsum.flink.config.OptionGroup.Declared;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;

/** A job's settings as text: --help, the option list (also the README's) and the log lines. */
final class SettingsText {

    private SettingsText() {}

    /** See {@link JobSettings#describe}. */
    static String describe(JobSettings settings, Configuration conf) {
        List<String> lines = new ArrayList<>();
        for (Declared<?> d : settings.options()) {
            lines.add(
                    String.format(
                            "%-34s %-16s %s (default %s)",
                            d.key(),
                            Secrets.shown(d.key(), d.formatFrom(conf)),
                            d.description(),
                            settings.formattedDefault(d)));
        }
        new TreeMap<>(conf.toMap())
                .forEach(
                        (k, v) -> {
                            if (!settings.keys().contains(k)) {
                                lines.add(
                                        String.format(
                                                "%-34s %-16s %s",
                                                k,
                                                Secrets.shown(k, v),
                                                "Kafka client property (passed through)"));
                            }
                        });
        return String.join("\n", lines);
    }

    /**
     * See {@link JobSettings#help}.
     *
     * @param sibling the job whose settings a config file may also hold, or null
     */
    static String help(JobSettings settings, JobSettings sibling) {
        String shared =
                sibling == null
                        ? ""
                        : "\n\nA --config file may also hold "
                                + sibling.job()
                                + "'s settings (checked, then ignored), so both jobs can read one file.";
        return "usage: "
                + settings.job()
                + " [--config FILE] [--key value ...]\n\n"
                + "--config FILE: 'key: value' or 'key=value' lines, # comments; flags win over the file."
                + shared
                + "\n\n"
                + optionList(settings);
    }

    /** See {@link JobSettings#optionList}. */
    static String optionList(JobSettings settings) {
        List<String> lines = new ArrayList<>();
        for (Declared<?> d : settings.options()) {
            lines.add(
                    String.format(
                            "  %-34s %-18s %s",
                            d.key(), settings.formattedDefault(d), d.description()));
        }
        lines.add(
                String.format(
                        "  %-34s %-18s %s",
                        JobSettings.PASS_THROUGH_PREFIX + "*",
                        "",
                        JobSettings.PASS_THROUGH_DESCRIPTION));
        return String.join("\n", lines);
    }
}
