package dev.embsum.replay;

import dev.embsum.serde.Topic;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
     * Creates every topic of the project (docs/design.md 2) under its default name, with {@code
     * partitions} partitions each.
     */
    public void createTopics(int partitions) throws Exception {
        Map<Topic, String> names = new EnumMap<>(Topic.class);
        for (Topic topic : Topic.values()) {
            names.put(topic, topic.defaultName());
        }
        createTopics(names, partitions);
    }

    /**
     * Creates the named topics (a job's configured names: {@code TopicNames.of(config)} in
     * flink-jobs), with {@code partitions} partitions each: compacted for the keyed upsert topics
     * ({@link Topic#compacted()}), deleted by time for the event topics.
     */
    public void createTopics(Map<Topic, String> names, int partitions) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        names.forEach(
                (topic, name) -> {
                    NewTopic created = new NewTopic(name, partitions, (short) 1);
                    if (topic.compacted()) {
                        created.configs(
                                Map.of(
                                        TopicConfig.CLEANUP_POLICY_CONFIG,
                                        TopicConfig.CLEANUP_POLICY_COMPACT));
                    }
                    topics.add(created);
                });
        try (Admin admin = Admin.create(clientProperties())) {
            admin.createTopics(topics).all().get();
        }
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
