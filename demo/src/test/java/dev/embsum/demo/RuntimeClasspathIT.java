package dev.embsum.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.ClickEvent;
import dev.embsum.flink.CommonOptions;
import dev.embsum.flink.TopicNames;
import dev.embsum.replay.EmbeddedKafka;
import dev.embsum.replay.MindReplay;
import dev.embsum.serde.SingleObjectCodec;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both jobs started the way users start them: in a child JVM whose classpath is this module's
 * classes plus {@code target/runtime-classpath.txt} (what {@code scripts/demo.sh} and the CLI use),
 * never the test classpath. A jar that the job needs at run time but that the pom declares only for
 * tests fails here, not on a newcomer's first {@code bash scripts/demo.sh} (issue 13:
 * flink-connector-datagen was test-scoped and the demo died with NoClassDefFoundError while every
 * other test passed).
 *
 * <p>An integration test (failsafe, after {@code package}), because the classpath file is written
 * at package time.
 */
class RuntimeClasspathIT {

    private static final Path ROOT =
            Paths.get(System.getProperty("embsum.root", "..")).toAbsolutePath().normalize();
    private static final Duration DEMO_LIMIT = Duration.ofMinutes(8);

    @TempDir Path temp;

    /** The README's main command itself, minus set-up: scripts/demo.sh with 5 users. */
    @Test
    void theDemoScriptRunsToItsReport() throws Exception {
        Path log = temp.resolve("demo.out");
        ProcessBuilder pb =
                new ProcessBuilder("bash", "scripts/demo.sh", "--users", "5", "--show", "2")
                        .directory(ROOT.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
        pb.environment().put("EMBSUM_SKIP_SETUP", "1");
        Process demo = pb.start();
        boolean exited = demo.waitFor(DEMO_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            demo.destroyForcibly().waitFor();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(exited)
                .as("demo finished within %s; its output:%n%s", DEMO_LIMIT, output)
                .isTrue();
        assertThat(demo.exitValue()).as("demo exit status; its output:%n%s", output).isZero();
        assertThat(output)
                .doesNotContain("NoClassDefFoundError", "ClassNotFoundException")
                .contains("Recommendations for 2 of 5 users")
                .containsPattern(
                        "demo result: 5 of 5 users current, \\d+ user embeddings, 0 dead letters");
    }

    /**
     * The archive job (a second main class of the same jar) from the runtime classpath against an
     * in-process broker: clicks published to {@code clicks} end up in a finished Avro file under
     * {@code archive.path}. Killed afterwards: a Kafka-fed job never ends by itself.
     */
    @Test
    void theArchiveJobRunsAndWritesItsFirstFile() throws Exception {
        Path archive = temp.resolve("archive");
        Path log = temp.resolve("archive.out");
        List<ClickEvent> clicks = MindReplay.load(ROOT.resolve("data/mind"), 5).clicks;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Configuration config =
                    new Configuration()
                            .set(CommonOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            kafka.createTopics(TopicNames.of(config), 1);
            String clicksTopic = config.get(CommonOptions.TOPIC_CLICKS);
            Process job =
                    new ProcessBuilder(
                                    javaWithRuntimeClasspath(
                                            "dev.embsum.flink.ArchiveJob",
                                            "--kafka.bootstrap.servers",
                                            kafka.bootstrapServers(),
                                            "--archive.path",
                                            archive.toUri().toString(),
                                            "--checkpoint.interval",
                                            "1s"))
                            .directory(ROOT.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
            try {
                SingleObjectCodec<ClickEvent> codec = SingleObjectCodec.forClass(ClickEvent.class);
                try (KafkaProducer<String, byte[]> producer =
                        new KafkaProducer<>(
                                kafka.clientProperties(),
                                new StringSerializer(),
                                new ByteArraySerializer())) {
                    for (ClickEvent c : clicks) {
                        producer.send(
                                new ProducerRecord<>(clicksTopic, c.getUserId(), codec.encode(c)));
                    }
                }
                long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                while (finishedFiles(archive.resolve(clicksTopic)).isEmpty()
                        && job.isAlive()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                String output = Files.readString(log, StandardCharsets.UTF_8);
                assertThat(job.isAlive())
                        .as("archive job still running; its output:%n%s", output)
                        .isTrue();
                assertThat(finishedFiles(archive.resolve(clicksTopic)))
                        .as("a finished archive file of clicks; the job's output:%n%s", output)
                        .isNotEmpty();
                assertThat(output).doesNotContain("NoClassDefFoundError", "ClassNotFoundException");
            } finally {
                job.destroyForcibly().waitFor();
            }
        }
    }

    /**
     * {@code java -cp classes:<runtime-classpath.txt> mainClass args}, as scripts/demo.sh starts
     * the demo.
     */
    private static List<String> javaWithRuntimeClasspath(String mainClass, String... args)
            throws IOException {
        Path module = ROOT.resolve("demo");
        String runtime =
                Files.readString(
                                module.resolve("target/runtime-classpath.txt"),
                                StandardCharsets.UTF_8)
                        .strip();
        List<String> command =
                new ArrayList<>(
                        List.of(
                                Paths.get(System.getProperty("java.home"), "bin", "java")
                                        .toString(),
                                "-Xss16m",
                                "-Xmx1g",
                                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.embsum.avro",
                                "-Dlog4j2.configurationFile=embsum-demo-log4j2.properties",
                                "-cp",
                                module.resolve("target/classes") + File.pathSeparator + runtime,
                                mainClass));
        command.addAll(List.of(args));
        return command;
    }

    /** Finished part files (Flink's in-progress and pending ones are hidden: a leading '.'). */
    private static List<Path> finishedFiles(Path topicDir) throws IOException {
        if (!Files.isDirectory(topicDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(topicDir)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .toList();
        }
    }
}
