package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {

    @TempDir
    Path dir;

    @Test
    void defaultsFollowTheDesign() {
        JobConfig c = JobConfig.defaults();
        assertThat(c.topicClicks()).isEqualTo("clicks");
        assertThat(c.topicContent()).isEqualTo("content");
        assertThat(c.topicUserEmbeddings()).isEqualTo("user-embeddings");
        assertThat(c.topicContentEmbeddings()).isEqualTo("content-embeddings");
        assertThat(c.topicModelReleases()).isEqualTo("model-releases");
        assertThat(c.topicDeadLetters()).isEqualTo("dead-letters");
        assertThat(c.historySize()).isEqualTo(60);
        assertThat(c.refreshDebounce()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.refreshMaxDelay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.itemUnknownTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.historyTtl()).isEqualTo(Duration.ofDays(30));
        assertThat(c.inferenceMaxBatch()).isEqualTo(32);
        assertThat(c.inferenceMaxWait()).isEqualTo(Duration.ofMillis(50));
        assertThat(c.inferenceEncoderCacheBytes()).isEqualTo(256L << 20);
        assertThat(c.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(c.describe()).contains("history.size").contains("(default 60)");
    }

    @Test
    void flagsWinOverTheFileWhichWinsOverDefaults() throws Exception {
        Path file = dir.resolve("job.conf");
        Files.writeString(file, """
                # production settings
                history.size: 40
                refresh.debounce = 2s
                topic.clicks: "clicks-v2"

                delivery.guarantee: exactly-once
                """);
        JobConfig c = JobConfig.fromArgs("--config", file.toString(), "--history.size", "50");
        assertThat(c.historySize()).isEqualTo(50);
        assertThat(c.refreshDebounce()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.topicClicks()).isEqualTo("clicks-v2");
        assertThat(c.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThat(c.inferenceMaxBatch()).isEqualTo(32);
    }

    @Test
    void flagsBeforeTheConfigFlagStillWin() throws Exception {
        Path file = dir.resolve("job.conf");
        Files.writeString(file, "history.size: 40\n");
        JobConfig c = JobConfig.fromArgs("--history.size", "50", "--config", file.toString());
        assertThat(c.historySize()).isEqualTo(50);
    }

    @Test
    void unknownKeyNamesTheKeyItsOriginAndTheNearestKnownKey() {
        assertThatThrownBy(() -> JobConfig.fromArgs("--history.sise", "10"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("unknown configuration key 'history.sise'")
                .hasMessageContaining("flag --history.sise")
                .hasMessageContaining("Did you mean 'history.size'?");
    }

    @Test
    void unknownKeyInAFileNamesTheLine() throws Exception {
        Path file = dir.resolve("job.conf");
        Files.writeString(file, "history.size: 40\nbogus: 1\n");
        assertThatThrownBy(() -> JobConfig.fromFile(file))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("'bogus'");
    }

    @Test
    void badValuesSayWhatIsExpected() {
        assertThatThrownBy(() -> JobConfig.fromArgs("--refresh.debounce", "soon"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("bad value 'soon' for refresh.debounce (flag --refresh.debounce)")
                .hasMessageContaining("expected a duration such as");
        assertThatThrownBy(() -> JobConfig.fromArgs("--history.size", "0"))
                .hasMessageContaining("expected a whole number >= 1");
        assertThatThrownBy(() -> JobConfig.fromArgs("--delivery.guarantee", "maybe"))
                .hasMessageContaining("expected at-least-once or exactly-once");
        assertThatThrownBy(() -> JobConfig.fromArgs("--topic.clicks", "no spaces"))
                .hasMessageContaining("Kafka topic name");
    }

    @Test
    void malformedArgumentsAndLinesAreRefused() throws Exception {
        assertThatThrownBy(() -> JobConfig.fromArgs("history.size", "3"))
                .hasMessageContaining("arguments are --key value pairs");
        assertThatThrownBy(() -> JobConfig.fromArgs("--history.size"))
                .hasMessageContaining("has no value");
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, "just words\n");
        assertThatThrownBy(() -> JobConfig.fromFile(file)).hasMessageContaining("line 1");
        assertThatThrownBy(() -> JobConfig.fromFile(dir.resolve("missing.conf")))
                .hasMessageContaining("cannot read the configuration file");
    }

    @Test
    void inconsistentDebounceIsRefused() {
        assertThatThrownBy(() -> JobConfig.fromArgs("--refresh.debounce", "10s"))
                .hasMessageContaining("refresh.max-delay (5s) must be >= refresh.debounce (10s)");
    }

    @Test
    void kafkaKeysPassThroughToTheClientsWithThePrefixRemoved() {
        JobConfig c = JobConfig.fromArgs("--kafka.bootstrap.servers", "b1:9093,b2:9093",
                "--kafka.security.protocol", "SASL_SSL",
                "--kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required;");
        assertThat(c.kafkaProperties())
                .containsEntry("bootstrap.servers", "b1:9093,b2:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("group.id", "embsum-stream")
                .containsKey("sasl.jaas.config");
        assertThat(c.toString()).doesNotContain("PlainLoginModule");
        assertThat(c.describe()).contains("kafka.security.protocol").doesNotContain("PlainLoginModule");
    }

    @Test
    void exactlyOnceNeedsCheckpoints() {
        assertThatThrownBy(() -> JobConfig.fromArgs("--delivery.guarantee", "exactly-once",
                "--checkpoint.interval", "0"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("checkpoint.interval");
        assertThat(JobConfig.fromArgs("--delivery.guarantee", "exactly-once").deliveryGuarantee())
                .isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
    }
}
