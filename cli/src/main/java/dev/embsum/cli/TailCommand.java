package dev.embsum.cli;

import dev.embsum.cli.internal.DurationConverter;
import dev.embsum.cli.internal.KafkaOptions;
import dev.embsum.cli.internal.RecordPrinter;
import dev.embsum.cli.internal.TopicReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Prints a topic's records readably as they arrive. The record type comes from each value's schema
 * fingerprint, so any of the project's topics works under any name.
 */
@Command(
        name = "tail",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Print a topic's records readably, as they arrive.",
            "user-embeddings: user, model, history_version, summary, the first UPE values, history; dead-letters:"
                    + " kind, reason, source topic/partition/offset, the original payload as hex, text and, where"
                    + " it decodes, as a record; also content-embeddings, model-releases, content, clicks,"
                    + " impressions. The record type comes from each value's schema fingerprint.",
            "Reads committed records only, joins no consumer group and commits nothing."
        },
        footer = {
            "",
            "Examples:",
            "  embsum tail dead-letters --from-beginning --timeout 5s",
            "  embsum tail user-embeddings --key U13740",
            "  embsum tail content-embeddings --from-beginning --max 3"
        })
final class TailCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "TOPIC",
            description = "e.g. user-embeddings, dead-letters, content-embeddings, model-releases")
    String topic;

    @Option(
            names = "--from-beginning",
            description = "start at the oldest record (default: only new records)")
    boolean fromBeginning;

    @Option(names = "--max", paramLabel = "N", description = "stop after N records")
    Integer max;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description =
                    "stop when no record arrived for this long, e.g. 10s (default: run until Ctrl-C)")
    Duration timeout;

    @Option(
            names = "--key",
            paramLabel = "KEY",
            description = "only records with this key (a user_id, item_id, ...)")
    String key;

    @Option(
            names = "--floats",
            paramLabel = "N",
            defaultValue = "4",
            description = "leading values shown of each embedding (default: ${DEFAULT-VALUE})")
    int floats;

    @Mixin KafkaOptions kafka;

    @Override
    public Integer call() {
        if (max != null && max < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--max must be at least 1, got " + max);
        }
        if (floats < 0) {
            throw new ParameterException(
                    spec.commandLine(), "--floats must be 0 or more, got " + floats);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RecordPrinter printer = new RecordPrinter(floats);
        byte[] wantedKey = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        long printed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer()) {
            List<TopicPartition> partitions = TopicReader.partitions(consumer, topic, "TOPIC");
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            partitions.forEach(consumer::position); // resolve the start now, not at the first poll
            err.printf(
                    "tail: '%s' (%d partitions) from the %s%s%n",
                    topic,
                    partitions.size(),
                    fromBeginning ? "beginning" : "end, new records only",
                    timeout == null && max == null ? "; Ctrl-C stops" : "");
            err.flush();
            Thread stopper = wakeUpOnShutdown(consumer);
            try {
                long lastRecord = System.nanoTime();
                while (max == null || printed < max) {
                    var records = consumer.poll(Duration.ofMillis(200));
                    if (!records.isEmpty()) {
                        lastRecord = System.nanoTime();
                    } else if (timeout != null
                            && System.nanoTime() - lastRecord >= timeout.toNanos()) {
                        break;
                    }
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        if (wantedKey != null && !Arrays.equals(wantedKey, r.key())) {
                            continue;
                        }
                        out.print(printer.format(r));
                        out.flush();
                        if (++printed == (max == null ? -1 : max)) {
                            break;
                        }
                    }
                }
            } catch (WakeupException e) {
                // Ctrl-C
            } finally {
                removeHook(stopper);
            }
        }
        err.printf("tail: %d record%s%n", printed, printed == 1 ? "" : "s");
        err.flush();
        return 0;
    }

    private static Thread wakeUpOnShutdown(KafkaConsumer<?, ?> consumer) {
        Thread hook = new Thread(consumer::wakeup, "embsum-tail-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down (Ctrl-C): the hook is running
        }
    }
}
