package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.flink.config.JobSettings;
import dev.embsum.flink.config.OptionGroup;
import dev.embsum.serde.Topic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The option declarations are the one source of what the jobs take: flink-jobs/README.md's tables
 * are generated from them (regenerate with {@value #REGENERATE}), and the deployments' config files
 * (deploy/flink/job.conf, the k8s ConfigMap) must load with both jobs' loaders.
 */
class OptionDocsTest {

    private static final String REGENERATE =
            "mvn -B -q -pl flink-jobs test -Dtest=OptionDocsTest -Dembsum.regenerate=true";
    private static final Path ROOT =
            Path.of(System.getProperty("embsum.root", "..")).toAbsolutePath().normalize();
    private static final Path README = ROOT.resolve("flink-jobs/README.md");
    private static final String BEGIN =
            "<!-- BEGIN GENERATED OPTIONS: OptionDocsTest renders these tables from"
                    + " EmbSumOptions, ArchiveOptions and CommonOptions; edit the declarations, then run: "
                    + REGENERATE
                    + " -->";
    private static final String END = "<!-- END GENERATED OPTIONS -->";

    @TempDir Path tmp;

    @BeforeAll
    static void regenerateWhenAsked() throws IOException {
        if (Boolean.getBoolean("embsum.regenerate")) {
            Files.writeString(
                    README,
                    withGeneratedSection(Files.readString(README, StandardCharsets.UTF_8)),
                    StandardCharsets.UTF_8);
        }
    }

    @Test
    void theReadmeTablesAreTheDeclarations() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        assertThat(readme)
                .as("flink-jobs/README.md has the markers of the generated tables")
                .contains(BEGIN, END);
        assertThat(readme)
                .as(
                        "flink-jobs/README.md's option tables are stale; regenerate with: "
                                + REGENERATE)
                .isEqualTo(withGeneratedSection(readme));
    }

    /** The keys and defaults that deployments and docs use: renaming one breaks them. */
    @Test
    void keysAndDefaultsAreTheOnesDeploymentsUse() {
        Map<String, String> expected = new LinkedHashMap<>();
        String[] pairs = {
            "topic.clicks",
            "clicks",
            "topic.impressions",
            "impressions",
            "topic.content",
            "content",
            "topic.user-embeddings",
            "user-embeddings",
            "topic.content-embeddings",
            "content-embeddings",
            "topic.model-releases",
            "model-releases",
            "topic.dead-letters",
            "dead-letters",
            "job.name",
            "embsum-stream",
            "history.size",
            "60",
            "history.ttl",
            "30d",
            "refresh.debounce",
            "1s",
            "refresh.max-delay",
            "5s",
            "backfill.users-per-second",
            "20",
            "item.unknown-timeout",
            "10min",
            "item.max-waiting-clicks",
            "1000",
            "item.max-waiting-clicks-total",
            "1000000",
            "inference.max-batch",
            "32",
            "inference.max-wait",
            "50ms",
            "inference.capacity",
            "256",
            "inference.timeout",
            "2min",
            "inference.intra-op-threads",
            "1",
            "inference.execution-provider",
            "cpu",
            "inference.cuda-device",
            "0",
            "inference.encoder-cache",
            "256mb",
            "inference.max-summary-tokens",
            "0",
            "bundle.path",
            "models/demo",
            "archive.path",
            "archive",
            "checkpoint.interval",
            "30s",
            "delivery.guarantee",
            "at-least-once",
            "delivery.transactional-id-prefix",
            "embsum-stream",
            "kafka.bootstrap.servers",
            "localhost:9092",
            "kafka.group.id",
            "embsum-stream",
        };
        for (int i = 0; i < pairs.length; i += 2) {
            expected.put(pairs[i], pairs[i + 1]);
        }
        Map<String, String> declared =
                Stream.of(EmbSumOptions.SETTINGS, ArchiveOptions.SETTINGS)
                        .flatMap(s -> s.groups().stream())
                        .distinct()
                        .flatMap(g -> g.options().stream())
                        .collect(
                                Collectors.toMap(
                                        OptionGroup.Declared::key,
                                        OptionGroup.Declared::formattedDefault));
        assertThat(declared).containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void everyTopicHasItsOptionWithTheDefaultNameOfTopic() {
        List<OptionGroup.Declared<?>> topicOptions =
                Stream.of(EmbSumOptions.SETTINGS, ArchiveOptions.SETTINGS)
                        .flatMap(s -> s.groups().stream())
                        .distinct()
                        .flatMap(g -> g.options().stream())
                        .filter(d -> d.key().startsWith("topic."))
                        .toList();
        assertThat(topicOptions)
                .extracting(OptionGroup.Declared::key)
                .containsExactlyInAnyOrderElementsOf(
                        Stream.of(Topic.values()).map(t -> "topic." + t.defaultName()).toList());
        topicOptions.forEach(
                d ->
                        assertThat(d.option().defaultValue())
                                .as(d.key())
                                .isEqualTo(d.key().substring("topic.".length())));
    }

    @ParameterizedTest
    @ValueSource(strings = {"deploy/flink/job.conf", "k8s/job-config.yaml"})
    void theDeployedConfigFilesLoadInBothJobs(String path) throws IOException {
        Path file = ROOT.resolve(path);
        if (path.endsWith(".yaml")) {
            file = tmp.resolve("job.conf");
            Files.writeString(
                    file,
                    embeddedJobConf(
                            Files.readAllLines(ROOT.resolve(path), StandardCharsets.UTF_8)));
        }
        Configuration streaming = EmbSumOptions.SETTINGS.fromFile(file);
        Configuration archive = ArchiveOptions.SETTINGS.fromFile(file);

        assertThat(streaming.keySet()).as("%s sets something", path).isNotEmpty();
        assertThat(streaming.keySet()).contains(CommonOptions.KAFKA_BOOTSTRAP_SERVERS.key());
        assertThat(streaming.get(EmbSumOptions.BUNDLE_PATH)).isEqualTo("/opt/embsum/models/demo");
        assertThat(archive.get(CommonOptions.KAFKA_GROUP_ID))
                .as("the archive keeps its own group")
                .isNotEqualTo(streaming.get(CommonOptions.KAFKA_GROUP_ID));
    }

    /** The {@code job.conf: |} block of a ConfigMap, de-indented. */
    private static String embeddedJobConf(List<String> yaml) {
        List<String> out = new ArrayList<>();
        int indent = -1;
        boolean inBlock = false;
        for (String line : yaml) {
            if (!inBlock) {
                inBlock = line.strip().equals("job.conf: |");
                continue;
            }
            if (line.isBlank()) {
                out.add("");
                continue;
            }
            int lead = line.length() - line.stripLeading().length();
            if (indent < 0) {
                indent = lead;
            }
            if (lead < indent) {
                break;
            }
            out.add(line.substring(indent));
        }
        assertThat(out).as("a 'job.conf: |' block in the ConfigMap").isNotEmpty();
        return String.join("\n", out) + "\n";
    }

    private static String withGeneratedSection(String readme) {
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        if (begin < 0 || end < begin) {
            return readme; // the test above reports the missing markers
        }
        return readme.substring(0, begin + BEGIN.length())
                + "\n"
                + tables()
                + readme.substring(end);
    }

    /** Three tables: the options of both jobs, then each job's own. */
    static String tables() {
        OptionGroup common = EmbSumOptions.SETTINGS.groups().get(1);
        OptionGroup streaming = EmbSumOptions.SETTINGS.groups().get(0);
        OptionGroup archive = ArchiveOptions.SETTINGS.groups().get(0);
        assertThat(ArchiveOptions.SETTINGS.groups().get(1)).isSameAs(common);
        return "\n### Both jobs (`CommonOptions`)\n\n"
                + table(common, true)
                + "\n### Streaming job only (`EmbSumOptions`)\n\n"
                + table(streaming, false)
                + "\n### Archive job only (`ArchiveOptions`)\n\n"
                + table(archive, false)
                + "\n";
    }

    private static String table(OptionGroup group, boolean withPassThrough) {
        StringBuilder t = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
        for (OptionGroup.Declared<?> d : group.options()) {
            t.append("| `")
                    .append(d.key())
                    .append("` | ")
                    .append(defaults(d))
                    .append(" | ")
                    .append(markdown(d.description()))
                    .append(" |\n");
        }
        if (withPassThrough) {
            t.append("| `")
                    .append(JobSettings.PASS_THROUGH_PREFIX)
                    .append("*` (any other) | – | ")
                    .append(markdown(JobSettings.PASS_THROUGH_DESCRIPTION))
                    .append(" |\n");
        }
        return t.toString();
    }

    /** The declared default, and where a job has its own, that one too. */
    private static String defaults(OptionGroup.Declared<?> d) {
        String shared = d.formattedDefault();
        StringBuilder out = new StringBuilder("`" + shared + "`");
        for (JobSettings job : List.of(EmbSumOptions.SETTINGS, ArchiveOptions.SETTINGS)) {
            if (job.options().contains(d) && !job.formattedDefault(d).equals(shared)) {
                out.append(" (")
                        .append(job.job())
                        .append(": `")
                        .append(job.formattedDefault(d))
                        .append("`)");
            }
        }
        return out.toString();
    }

    private static String markdown(String text) {
        return text.replace("|", "\\|").replace("*", "\\*").replace("<", "&lt;");
    }
}
