package dev.embsum.flink;

import dev.embsum.annotation.PublicEvolving;
import dev.embsum.flink.config.JobSettings;
import dev.embsum.flink.config.OptionGroup;
import dev.embsum.serde.Topic;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The options of the archive job {@link ArchiveJob}, in addition to {@link CommonOptions}
 * (flink-jobs/README.md's table is generated from these declarations, {@code ArchiveJob --help}
 * prints them). {@link #SETTINGS} reads them from {@code --config FILE} and flags.
 */
@PublicEvolving
public final class ArchiveOptions {

    /**
     * The archive's own default of job.name, kafka.group.id and delivery.transactional-id-prefix,
     * so that both jobs run side by side on one cluster and one Kafka cluster.
     */
    public static final String DEFAULT_NAME = "embsum-archive";

    /**
     * Declared before the options: each option registers itself here (static fields initialize in
     * order).
     */
    private static final OptionGroup DECLARED =
            new OptionGroup("ArchiveJob", ArchiveOptions::checkCombination);

    public static final ConfigOption<String> TOPIC_IMPRESSIONS =
            DECLARED.topic(Topic.IMPRESSIONS, "Impression topic (key user_id)");

    public static final ConfigOption<String> ARCHIVE_PATH =
            DECLARED.text(
                    "archive.path",
                    "archive",
                    "where the archive writes {archive.path}/{topic}/dt=YYYY-MM-DD/part-...avro; a local"
                            + " path or any Flink file system URI (s3://, hdfs://, gs://)");

    /**
     * The archive job's settings: the options above, then {@link CommonOptions} with the archive's
     * own names ({@link #DEFAULT_NAME}). A config file may also hold {@link EmbSumOptions}' (the
     * archive deployment reads the streaming job's job.conf). Last, so that every option above is
     * declared when it is created.
     */
    public static final JobSettings SETTINGS =
            JobSettings.of("ArchiveJob", DECLARED, CommonOptions.DECLARED)
                    .withJobDefault(CommonOptions.JOB_NAME, DEFAULT_NAME)
                    .withJobDefault(CommonOptions.KAFKA_GROUP_ID, DEFAULT_NAME)
                    .withJobDefault(CommonOptions.DELIVERY_TRANSACTIONAL_ID_PREFIX, DEFAULT_NAME)
                    .sharingConfigFilesWith(() -> EmbSumOptions.SETTINGS);

    private ArchiveOptions() {}

    private static void checkCombination(Configuration conf) {
        if (conf.get(CommonOptions.CHECKPOINT_INTERVAL).isZero()) {
            throw new InvalidConfigException(
                    CommonOptions.CHECKPOINT_INTERVAL.key()
                            + " is 0, but the archive"
                            + " publishes its files on checkpoints (nothing would ever become visible); set it, e.g. 1min");
        }
    }
}
