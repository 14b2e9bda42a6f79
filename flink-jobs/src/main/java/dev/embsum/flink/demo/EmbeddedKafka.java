package dev.embsum.flink.demo;

import dev.embsum.flink.ArchiveOptions;
import dev.embsum.flink.CommonOptions;
import dev.embsum.flink.EmbSumOptions;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A single-node KRaft Kafka cluster in this JVM (Kafka's own KafkaClusterTestKit: one combined
 * broker + controller, data in a temporary directory deleted on close). For the embedded demo and
 * the integration tests; never for production.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Formats and starts the cluster, and waits until its broker accepts clients. */
    public static EmbeddedKafka start() throws Exception {
        KafkaClusterTestKit cluster =
                new KafkaClusterTestKit.Builder(
                                new TestKitNodes.Builder()
                                        .setCombined(true)
                                        .setNumBrokerNodes(1)
                                        .setNumControllerNodes(1)
                                        .build())
                        // One broker: the internal topics (offsets, transactions) cannot have 3
                        // replicas.
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("transaction.state.log.min.isr", "1")
                        .setConfigProp("group.initial.rebalance.delay.ms", "0")
                        .build();
        PrintStream stdout = System.out;
        try {
            // format() prints the bootstrap metadata to System.out; keep stdout for the caller's
            // output.
            System.setOut(System.err);
            try {
                cluster.format();
            } finally {
                System.setOut(stdout);
            }
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafka(cluster);
        } catch (Exception e) {
            try {
                cluster.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Client properties that reach this cluster. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return p;
    }

    /**
     * Creates the jobs' topics (docs/design.md 2), named as {@code config}'s topic.* options say
     * (their defaults where it sets none), with {@code partitions} partitions each: compacted for
     * the keyed upsert topics, deleted by time for the event topics.
     */
    public void createTopics(Configuration config, int partitions) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (String name :
                List.of(
                        config.get(CommonOptions.TOPIC_CLICKS),
                        config.get(ArchiveOptions.TOPIC_IMPRESSIONS),
                        config.get(CommonOptions.TOPIC_DEAD_LETTERS))) {
            topics.add(new NewTopic(name, partitions, (short) 1));
        }
        for (String name :
                List.of(
                        config.get(CommonOptions.TOPIC_CONTENT),
                        config.get(EmbSumOptions.TOPIC_USER_EMBEDDINGS),
                        config.get(EmbSumOptions.TOPIC_CONTENT_EMBEDDINGS),
                        config.get(EmbSumOptions.TOPIC_MODEL_RELEASES))) {
            topics.add(
                    new NewTopic(name, partitions, (short) 1)
                            .configs(
                                    Map.of(
                                            TopicConfig.CLEANUP_POLICY_CONFIG,
                                            TopicConfig.CLEANUP_POLICY_COMPACT)));
        }
        try (Admin admin = Admin.create(clientProperties())) {
            admin.createTopics(topics).all().get();
        }
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
