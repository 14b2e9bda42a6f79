package dev.embsum.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.api.connector.sink2.Sink;
import org.junit.jupiter.api.Test;

class ArchiveJobConfigTest {

    @Test
    void leftAtDefaultTheArchiveGetsItsOwnJobNameGroupAndTransactionalIds() {
        JobConfig config = ArchiveJob.withArchiveDefaults(JobConfig.fromArgs("--archive.path", "s3://bucket/archive"));

        assertThat(config.jobName()).isEqualTo("embsum-archive");
        assertThat(config.get(JobConfig.KAFKA_GROUP_ID)).isEqualTo("embsum-archive");
        assertThat(config.transactionalIdPrefix()).isEqualTo("embsum-archive");
        assertThat(config.archivePath()).isEqualTo("s3://bucket/archive");
    }

    @Test
    void explicitNamesAreKept() {
        JobConfig config = ArchiveJob.withArchiveDefaults(
                JobConfig.fromArgs("--job.name", "archive-eu", "--kafka.group.id", "archive-eu-group"));

        assertThat(config.jobName()).isEqualTo("archive-eu");
        assertThat(config.get(JobConfig.KAFKA_GROUP_ID)).isEqualTo("archive-eu-group");
    }

    @Test
    void withoutCheckpointsNothingWouldBePublishedSoItIsRefused() {
        JobConfig config = JobConfig.fromArgs("--checkpoint.interval", "0");
        Sink<dev.embsum.avro.DeadLetter> dead = new CollectingSink<>("unused-" + System.nanoTime());

        assertThatThrownBy(() -> new ArchiveJob(config, ArchiveSources.kafka(config), dead))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("checkpoint.interval is 0")
                .hasMessageContaining("publishes its files on checkpoints");
    }
}
