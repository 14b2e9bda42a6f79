package dev.embsum.cli.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Option;

/**
 * The Kafka options every command shares ({@code --bootstrap-servers}, {@code --kafka KEY=VALUE})
 * and the clients built from them. Clients give up after {@link #API_TIMEOUT} instead of Kafka's 60
 * s default, so a wrong address fails quickly with a message that says so.
 */
public final class KafkaOptions {

    static final Duration API_TIMEOUT = Duration.ofSeconds(15);

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT[,...]",
            defaultValue = "${env:EMBSUM_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "Kafka brokers (default: ${DEFAULT-VALUE}; $EMBSUM_BOOTSTRAP_SERVERS)")
    String bootstrapServers;

    @Option(
            names = "--kafka",
            paramLabel = "KEY=VALUE",
            description =
                    "any Kafka client setting, e.g. --kafka security.protocol=SSL (repeatable)")
    Map<String, String> clientSettings = new LinkedHashMap<>();

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Client settings: the bootstrap servers, quick timeouts, then every {@code --kafka} setting.
     */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(
                CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG,
                String.valueOf(API_TIMEOUT.toMillis()));
        p.putAll(clientSettings);
        return p;
    }

    public Admin admin() {
        Properties p = clientProperties();
        // The admin client refuses a request timeout above default.api.timeout.ms (--kafka may
        // lower it).
        p.putIfAbsent(
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                p.getProperty(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG));
        return Admin.create(p);
    }

    /** Keys as UTF-8 strings, values as the already encoded bytes; acks=all, idempotent. */
    public KafkaProducer<String, byte[]> producer() {
        Properties p = producerProperties();
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** For re-publishing records byte for byte (keys included). */
    public KafkaProducer<byte[], byte[]> rawProducer() {
        return new KafkaProducer<>(
                producerProperties(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * A consumer without a group (the commands assign partitions and seek themselves, and never
     * commit offsets), reading committed records only: exactly-once output appears once committed.
     */
    public KafkaConsumer<byte[], byte[]> consumer() {
        Properties p = clientProperties();
        p.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Fails with a message naming the missing topics and the option that sets each name, or the
     * unreachable broker, instead of blocking or auto-creating a topic with the wrong policy.
     *
     * @param topics topic name to the option that chose it, e.g. "clicks" to "--topic-clicks"
     */
    public void requireTopics(Map<String, String> topics) {
        try (Admin admin = admin()) {
            List<String> missing = new ArrayList<>();
            Set<String> found;
            try {
                found =
                        admin.listTopics()
                                .names()
                                .get(API_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw unreachable(e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                    throw unreachable(e);
                }
                throw new CliFailure(
                        "cannot list the topics on " + bootstrapServers + ": " + e.getCause(), e);
            }
            for (Map.Entry<String, String> t : topics.entrySet()) {
                if (!found.contains(t.getKey())) {
                    missing.add("'" + t.getKey() + "' (" + t.getValue() + ")");
                }
            }
            if (!missing.isEmpty()) {
                throw new CliFailure(
                        "no topic "
                                + String.join(", ", missing)
                                + " on "
                                + bootstrapServers
                                + ". Create the topics first (docker compose: the topic-init service; Kubernetes: the"
                                + " KafkaTopics in k8s/), or pass the right name with the option in brackets.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted", e);
        }
    }

    /** The message for a broker that does not answer. */
    public CliFailure unreachable(Exception cause) {
        return new CliFailure(
                "no answer from Kafka at "
                        + bootstrapServers
                        + ": is a broker running there?"
                        + " (--bootstrap-servers HOST:PORT; docker compose publishes localhost:9092)",
                cause);
    }

    private Properties producerProperties() {
        Properties p = clientProperties();
        p.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(API_TIMEOUT.toMillis()));
        // default.api.timeout.ms is a consumer/admin setting: the producer would warn about it.
        p.remove(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG);
        return p;
    }
}
