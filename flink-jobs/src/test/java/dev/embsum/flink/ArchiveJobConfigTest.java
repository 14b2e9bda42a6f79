package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive job's settings ({@link ArchiveOptions#SETTINGS}) and what its constructor refuses.
 */
class ArchiveJobConfigTest {

    @TempDir Path dir;

    @Test
    void leftAtDefaultTheArchiveGetsItsOwnJobNameGroupAndTransactionalIds() {
        Configuration config =
                ArchiveOptions.SETTINGS.fromArgs("--archive.path", "s3://bucket/archive");

        assertThat(config.get(CommonOptions.JOB_NAME)).isEqualTo("embsum-archive");
        assertThat(config.get(CommonOptions.KAFKA_GROUP_ID)).isEqualTo("embsum-archive");
        assertThat(CommonOptions.kafkaProperties(config))
                .containsEntry("group.id", "embsum-archive");
        assertThat(config.get(CommonOptions.DELIVERY_TRANSACTIONAL_ID_PREFIX))
                .isEqualTo("embsum-archive");
        assertThat(config.get(ArchiveOptions.ARCHIVE_PATH)).isEqualTo("s3://bucket/archive");
        assertThat(ArchiveOptions.SETTINGS.defaultValue(CommonOptions.JOB_NAME))
                .isEqualTo("embsum-archive");
        assertThat(ArchiveOptions.SETTINGS.help())
                .containsPattern("(?m)^  job.name +embsum-archive ");
    }

    @Test
    void explicitNamesAreKept() {
        Configuration config =
                ArchiveOptions.SETTINGS.fromArgs(
                        "--job.name", "archive-eu", "--kafka.group.id", "archive-eu-group");

        assertThat(config.get(CommonOptions.JOB_NAME)).isEqualTo("archive-eu");
        assertThat(config.get(CommonOptions.KAFKA_GROUP_ID)).isEqualTo("archive-eu-group");
    }

    @Test
    void theStreamingJobsConfigFileIsReadWithoutJoiningItsGroup() throws Exception {
        // what deploy/flink/job.conf and the k8s ConfigMap look like: the archive deployment reads
        // them too
        Path file = dir.resolve("job.conf");
        Files.writeString(
                file,
                """
                bundle.path: /opt/embsum/models/demo
                inference.max-batch: 64
                kafka.bootstrap.servers: kafka:19092
                kafka.group.id: embsum-stream
                """);
        Configuration config =
                ArchiveOptions.SETTINGS.fromArgs(
                        "--config", file.toString(), "--archive.path", "s3://b/a");

        assertThat(config.get(CommonOptions.KAFKA_BOOTSTRAP_SERVERS)).isEqualTo("kafka:19092");
        assertThat(config.get(CommonOptions.KAFKA_GROUP_ID))
                .as("the streaming job's default, spelled out")
                .isEqualTo("embsum-archive");
        assertThat(config.keySet()).doesNotContain("bundle.path", "inference.max-batch");
    }

    @Test
    void aStreamingJobFlagIsRefused() {
        assertThatThrownBy(() -> ArchiveOptions.SETTINGS.fromArgs("--history.size", "10"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(
                        "unknown configuration key 'history.size' (flag --history.size) for ArchiveJob")
                .hasMessageContaining("a setting of EmbSumJob");
    }

    @Test
    void withoutCheckpointsNothingWouldBePublishedSoItIsRefused() {
        Configuration config =
                new Configuration().set(CommonOptions.CHECKPOINT_INTERVAL, Duration.ZERO);
        Sink<dev.embsum.avro.DeadLetter> dead = new CollectingSink<>("unused-" + System.nanoTime());

        assertThatThrownBy(() -> new ArchiveJob(config, ArchiveSources.kafka(config), dead))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("checkpoint.interval is 0")
                .hasMessageContaining("publishes its files on checkpoints");
        assertThatThrownBy(() -> ArchiveOptions.SETTINGS.fromArgs("--checkpoint.interval", "0"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("checkpoint.interval is 0")
                .hasMessageContaining("publishes its files on checkpoints");
    }

    /** A Configuration made in code gets the archive's own names too, not the streaming job's. */
    @Test
    void aConfigurationMadeInCodeGetsTheArchivesOwnNames() {
        Configuration checked = ArchiveOptions.SETTINGS.withJobDefaults(new Configuration());

        assertThat(checked.get(CommonOptions.JOB_NAME)).isEqualTo("embsum-archive");
        assertThat(checked.get(CommonOptions.KAFKA_GROUP_ID)).isEqualTo("embsum-archive");
        assertThat(checked.get(CommonOptions.DELIVERY_TRANSACTIONAL_ID_PREFIX))
                .isEqualTo("embsum-archive");
    }
}
