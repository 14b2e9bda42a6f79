package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.embsum.flink.config.JobSettings;
import dev.embsum.flink.internal.model.BundleOpener;
import dev.embsum.runtime.inference.ExecutionProvider;
import dev.embsum.runtime.inference.InferenceOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming job's settings: {@link EmbSumOptions#SETTINGS} reading defaults, a file and flags.
 */
class EmbSumOptionsTest {

    private static final JobSettings SETTINGS = EmbSumOptions.SETTINGS;

    @TempDir Path dir;

    @Test
    void defaultsFollowTheDesign() {
        Configuration c = SETTINGS.defaults();
        assertThat(c.get(CommonOptions.TOPIC_CLICKS)).isEqualTo("clicks");
        assertThat(c.get(CommonOptions.TOPIC_CONTENT)).isEqualTo("content");
        assertThat(c.get(EmbSumOptions.TOPIC_USER_EMBEDDINGS)).isEqualTo("user-embeddings");
        assertThat(c.get(EmbSumOptions.TOPIC_CONTENT_EMBEDDINGS)).isEqualTo("content-embeddings");
        assertThat(c.get(EmbSumOptions.TOPIC_MODEL_RELEASES)).isEqualTo("model-releases");
        assertThat(c.get(CommonOptions.TOPIC_DEAD_LETTERS)).isEqualTo("dead-letters");
        assertThat(c.get(EmbSumOptions.HISTORY_SIZE)).isEqualTo(60);
        assertThat(c.get(EmbSumOptions.REFRESH_DEBOUNCE)).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.get(EmbSumOptions.REFRESH_MAX_DELAY)).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.get(EmbSumOptions.ITEM_UNKNOWN_TIMEOUT)).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.get(EmbSumOptions.HISTORY_TTL)).isEqualTo(Duration.ofDays(30));
        assertThat(c.get(EmbSumOptions.INFERENCE_MAX_BATCH)).isEqualTo(32);
        assertThat(c.get(EmbSumOptions.INFERENCE_MAX_WAIT)).isEqualTo(Duration.ofMillis(50));
        assertThat(c.get(EmbSumOptions.INFERENCE_ENCODER_CACHE).getBytes()).isEqualTo(256L << 20);
        assertThat(c.get(CommonOptions.DELIVERY_GUARANTEE))
                .isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(SETTINGS.describe(c)).contains("history.size").contains("(default 60)");
    }

    @Test
    void flagsWinOverTheFileWhichWinsOverDefaults() throws Exception {
        Path file = dir.resolve("job.conf");
        Files.writeString(
                file,
                """
                # production settings
                history.size: 40
                refresh.debounce = 2s
                topic.clicks: "clicks-v2"

                delivery.guarantee: exactly-once
                """);
        Configuration c = SETTINGS.fromArgs("--config", file.toString(), "--history.size", "50");
        assertThat(c.get(EmbSumOptions.HISTORY_SIZE)).isEqualTo(50);
        assertThat(c.get(EmbSumOptions.REFRESH_DEBOUNCE)).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.get(CommonOptions.TOPIC_CLICKS)).isEqualTo("clicks-v2");
        assertThat(c.get(CommonOptions.DELIVERY_GUARANTEE))
                .isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThat(c.get(EmbSumOptions.INFERENCE_MAX_BATCH)).isEqualTo(32);
    }

    @Test
    void flagsBeforeTheConfigFlagStillWin() throws Exception {
        Path file = dir.resolve("job.conf");
        Files.writeString(file, "history.size: 40\n");
        Configuration c = SETTINGS.fromArgs("--history.size", "50", "--config", file.toString());
        assertThat(c.get(EmbSumOptions.HISTORY_SIZE)).isEqualTo(50);
    }

    @Test
    void unknownKeyNamesTheKeyItsOriginAndTheNearestKnownKey() {
        assertThatThrownBy(() -> SETTINGS.fromArgs("--history.sise", "10"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("unknown configuration key 'history.sise'")
                .hasMessageContaining("flag --history.sise")
                .hasMessageContaining("Did you mean 'history.size'?");
    }

    @Test
    void unknownKeyInAFileNamesTheLine() throws Exception {
        Path file = dir.resolve("job.conf");
        Files.writeString(file, "history.size: 40\nbogus: 1\n");
        assertThatThrownBy(() -> SETTINGS.fromFile(file))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("file " + file + " line 2")
                .hasMessageContaining("'bogus'");
    }

    @Test
    void badValuesSayWhatIsExpected() {
        assertThatThrownBy(() -> SETTINGS.fromArgs("--refresh.debounce", "soon"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(
                        "bad value 'soon' for refresh.debounce (flag --refresh.debounce)")
                .hasMessageContaining("expected a duration such as")
                .hasMessageContaining("default 1s");
        assertThatThrownBy(() -> SETTINGS.fromArgs("--history.size", "0"))
                .hasMessageContaining("expected a whole number >= 1");
        assertThatThrownBy(() -> SETTINGS.fromArgs("--delivery.guarantee", "maybe"))
                .hasMessageContaining("expected at-least-once or exactly-once");
        assertThatThrownBy(() -> SETTINGS.fromArgs("--topic.clicks", "no spaces"))
                .hasMessageContaining("Kafka topic name");
        assertThatThrownBy(() -> SETTINGS.fromArgs("--inference.encoder-cache", "lots"))
                .hasMessageContaining("expected a size such as");
        assertThatThrownBy(() -> SETTINGS.fromArgs("--history.ttl", "-1d"))
                .hasMessageContaining("expected a duration");
    }

    @Test
    void malformedArgumentsAndLinesAreRefused() throws Exception {
        assertThatThrownBy(() -> SETTINGS.fromArgs("history.size", "3"))
                .hasMessageContaining("arguments are --key value pairs");
        assertThatThrownBy(() -> SETTINGS.fromArgs("--history.size"))
                .hasMessageContaining("has no value");
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, "just words\n");
        assertThatThrownBy(() -> SETTINGS.fromFile(file)).hasMessageContaining("line 1");
        assertThatThrownBy(() -> SETTINGS.fromFile(dir.resolve("missing.conf")))
                .hasMessageContaining("cannot read the configuration file");
    }

    @Test
    void inconsistentDebounceIsRefused() {
        assertThatThrownBy(() -> SETTINGS.fromArgs("--refresh.debounce", "10s"))
                .hasMessageContaining("refresh.max-delay (5s) must be >= refresh.debounce (10s)");
    }

    @Test
    void aZeroBatchWaitNeedsBatchesOfOne() {
        assertThatThrownBy(() -> SETTINGS.fromArgs("--inference.max-wait", "0"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("inference.max-wait is 0");
        assertThat(
                        SETTINGS.fromArgs("--inference.max-wait", "0", "--inference.max-batch", "1")
                                .get(EmbSumOptions.INFERENCE_MAX_WAIT))
                .isZero();
    }

    @Test
    void kafkaKeysPassThroughToTheClientsWithThePrefixRemoved() {
        Configuration c =
                SETTINGS.fromArgs(
                        "--kafka.bootstrap.servers",
                        "b1:9093,b2:9093",
                        "--kafka.security.protocol",
                        "SASL_SSL",
                        "--kafka.sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required;");
        assertThat(CommonOptions.kafkaProperties(c))
                .containsEntry("bootstrap.servers", "b1:9093,b2:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("group.id", "embsum-stream")
                .containsKey("sasl.jaas.config");
        assertThat(c.toString()).doesNotContain("PlainLoginModule");
        assertThat(SETTINGS.describe(c))
                .contains("kafka.security.protocol")
                .doesNotContain("PlainLoginModule");
    }

    @Test
    void everySecretLookingValueIsHiddenWhereverTheSettingsAreShown() {
        Configuration c =
                SETTINGS.fromArgs(
                        "--kafka.ssl.keystore.key",
                        "-----BEGIN PRIVATE KEY-----",
                        "--kafka.ssl.key.password",
                        "hunter2",
                        "--kafka.basic.auth.secret",
                        "s3cr3t");
        assertThat(CommonOptions.kafkaProperties(c))
                .containsEntry("ssl.keystore.key", "-----BEGIN PRIVATE KEY-----");
        // (a plain copy, new Configuration(c), prints with Flink's masking, which misses *.key)
        for (String shown : new String[] {c.toString(), SETTINGS.describe(c)}) {
            assertThat(shown)
                    .doesNotContain("PRIVATE KEY")
                    .doesNotContain("hunter2")
                    .doesNotContain("s3cr3t");
        }
        assertThat(SETTINGS.describe(c)).contains("kafka.ssl.keystore.key").contains("(hidden)");
        assertThatThrownBy(() -> SETTINGS.fromArgs("--kafka.sasl.jaas.config", " "))
                .hasMessageContaining("bad value '(hidden)' for kafka.sasl.jaas.config");
    }

    @Test
    void aKafkaSettingMayNotWeakenTheSinksDurability() {
        String[][] weakening = {
            {"acks", "1", "acks=all"}, {"enable.idempotence", "false", "enable.idempotence=true"}
        };
        for (String[] w : weakening) {
            assertThatThrownBy(() -> SETTINGS.fromArgs("--kafka." + w[0], w[1]))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining(
                            "kafka." + w[0] + " " + w[1] + " would let an acknowledged")
                    .hasMessageContaining("need " + w[2]);
        }
        for (String strong : new String[] {"-1", "all"}) {
            assertThat(CommonOptions.kafkaProperties(SETTINGS.fromArgs("--kafka.acks", strong)))
                    .containsEntry("acks", strong);
        }
    }

    @Test
    void exactlyOnceNeedsCheckpoints() {
        assertThatThrownBy(
                        () ->
                                SETTINGS.fromArgs(
                                        "--delivery.guarantee",
                                        "exactly-once",
                                        "--checkpoint.interval",
                                        "0"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("checkpoint.interval");
        assertThat(
                        SETTINGS.fromArgs("--delivery.guarantee", "exactly-once")
                                .get(CommonOptions.DELIVERY_GUARANTEE))
                .isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
    }

    @Test
    void aConfigFileMayHoldTheArchiveJobsSettingsButAFlagMayNot() throws Exception {
        Path file = dir.resolve("job.conf");
        Files.writeString(
                file,
                """
                archive.path: s3://bucket/archive
                topic.impressions: impressions
                history.size: 40
                """);
        Configuration c = SETTINGS.fromFile(file);
        assertThat(c.get(EmbSumOptions.HISTORY_SIZE)).isEqualTo(40);
        assertThat(c.keySet()).doesNotContain("archive.path", "topic.impressions");

        assertThatThrownBy(() -> SETTINGS.fromArgs("--archive.path", "s3://bucket/archive"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(
                        "unknown configuration key 'archive.path' (flag --archive.path) for EmbSumJob")
                .hasMessageContaining("a setting of ArchiveJob");

        // the archive job's values are still checked: a typo fails whichever job reads the file
        // first
        Files.writeString(file, "topic.impressions: no spaces\n");
        assertThatThrownBy(() -> SETTINGS.fromFile(file))
                .hasMessageContaining("bad value 'no spaces' for topic.impressions")
                .hasMessageContaining("line 1")
                .hasMessageContaining("Kafka topic name");
        // ... and a typo of one of its keys gets the hint too
        Files.writeString(file, "archive.pth: x\n");
        assertThatThrownBy(() -> SETTINGS.fromFile(file))
                .hasMessageContaining("Did you mean 'archive.path'?");
    }

    @Test
    void settingsMadeInCodeAreCheckedLikeAFile() {
        assertThatThrownBy(() -> SETTINGS.builder().set(EmbSumOptions.HISTORY_SIZE, 0))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(
                        "bad value '0' for history.size (set in code): expected a whole number >= 1");
        assertThat(
                        SETTINGS.builder()
                                .set(EmbSumOptions.HISTORY_SIZE, 7)
                                .set("kafka.acks", "all")
                                .build())
                .satisfies(c -> assertThat(c.get(EmbSumOptions.HISTORY_SIZE)).isEqualTo(7))
                .satisfies(
                        c ->
                                assertThat(CommonOptions.kafkaProperties(c))
                                        .containsEntry("acks", "all"));

        // a Configuration built by hand reaches the job only through validate (the constructor
        // calls it)
        assertThatThrownBy(
                        () ->
                                SETTINGS.validate(
                                        new Configuration().set(EmbSumOptions.HISTORY_SIZE, 0)))
                .hasMessageContaining(
                        "bad value '0' for history.size (in the Configuration given to EmbSumJob)");
        assertThatThrownBy(
                        () ->
                                SETTINGS.validate(
                                        new Configuration()
                                                .set(
                                                        ConfigOptions.key("history.sise")
                                                                .intType()
                                                                .noDefaultValue(),
                                                        3)))
                .hasMessageContaining("unknown configuration key 'history.sise'")
                .hasMessageContaining("Did you mean 'history.size'?");
        assertThatThrownBy(
                        () ->
                                SETTINGS.validate(
                                        new Configuration()
                                                .set(
                                                        EmbSumOptions.REFRESH_DEBOUNCE,
                                                        Duration.ofSeconds(10))))
                .hasMessageContaining("refresh.max-delay (5s) must be >= refresh.debounce (10s)");
        Configuration fine =
                new Configuration().set(EmbSumOptions.INFERENCE_ENCODER_CACHE, MemorySize.ZERO);
        assertThat(SETTINGS.validate(fine)).isSameAs(fine);
    }

    @Test
    void helpListsEveryOptionWithItsDefaultFromTheDeclarations() {
        String help = SETTINGS.help();
        assertThat(help).startsWith("usage: EmbSumJob [--config FILE] [--key value ...]");
        SETTINGS.options()
                .forEach(
                        d ->
                                assertThat(help)
                                        .containsPattern(
                                                "(?m)^  "
                                                        + java.util.regex.Pattern.quote(d.key())
                                                        + " +"
                                                        + java.util.regex.Pattern.quote(
                                                                d.formattedDefault())
                                                        + " +"
                                                        + java.util.regex.Pattern.quote(
                                                                d.description())
                                                        + "$"));
        assertThat(help).contains("kafka.*").contains("ArchiveJob's settings");
    }

    /** The GPU is chosen by a setting (issue 16): cpu by default, cuda on GPU TaskManagers. */
    @Test
    void theExecutionProviderIsASettingThatReachesTheRuntimeOptions() {
        assertThat(BundleOpener.of(SETTINGS.defaults()).options().provider())
                .isEqualTo(ExecutionProvider.CPU);
        InferenceOptions gpu =
                BundleOpener.of(
                                SETTINGS.fromArgs(
                                        "--inference.execution-provider", "cuda",
                                        "--inference.cuda-device", "1"))
                        .options();
        assertThat(gpu.provider()).isEqualTo(ExecutionProvider.CUDA);
        assertThat(gpu.cudaDeviceId()).isEqualTo(1);
        assertThatThrownBy(() -> SETTINGS.fromArgs("--inference.execution-provider", "gpu"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("expected cpu or cuda");
        assertThatThrownBy(() -> SETTINGS.fromArgs("--inference.cuda-device", "-1"))
                .hasMessageContaining("expected a whole number >= 0");
    }

    /** A value spread over lines (a PEM key) must not reach the error text or the logs. */
    @Test
    void aBadFileLineIsNamedByNumberNeverEchoed() throws Exception {
        Path file = dir.resolve("job.conf");
        Files.writeString(
                file,
                "kafka.ssl.keystore.key: -----BEGIN PRIVATE KEY-----\n"
                        + "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
                        + "b2Zmc2V0PQ==\n");
        assertThatThrownBy(() -> SETTINGS.fromArgs("--config", file.toString()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("not shown")
                .hasMessageNotContaining("MIIEvQIB");
        Files.writeString(file, "kafka.ssl.keystore.key: x\nb2Zmc2V0PQ==\n");
        assertThatThrownBy(() -> SETTINGS.fromArgs("--config", file.toString()))
                .hasMessageContaining("line 2")
                .hasMessageNotContaining("b2Zmc2V0");
    }

    @Test
    void secretsBeyondPasswordsAreHidden() {
        Configuration c =
                SETTINGS.fromArgs(
                        "--kafka.sasl.oauthbearer.assertion.private.key.passphrase", "s3cr3t",
                        "--kafka.sasl.oauthbearer.token.endpoint.url.token", "t0k3n");
        assertThat(SETTINGS.describe(c)).doesNotContain("s3cr3t", "t0k3n");
        assertThat(c.toString()).doesNotContain("s3cr3t", "t0k3n");
    }

    @Test
    void aSecondConfigFileIsRefused() {
        assertThatThrownBy(() -> SETTINGS.fromArgs("--config", "a.conf", "--config", "b.conf"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("--config is given twice");
    }
}
