package dev.embsum.cli;

import dev.embsum.avro.DeadLetter;
import dev.embsum.cli.internal.ByteBuffers;
import dev.embsum.cli.internal.CliFailure;
import dev.embsum.cli.internal.KafkaOptions;
import dev.embsum.cli.internal.TopicReader;
import dev.embsum.serde.DeadLetterKinds;
import dev.embsum.serde.MalformedRecordException;
import dev.embsum.serde.SingleObjectCodec;
import dev.embsum.serde.Topic;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Re-publishes dead-lettered records, byte for byte (key and value), to the topic they came from:
 * for failures that were about timing, not about the record, such as a click that arrived before
 * its item (UNKNOWN_ITEM) once the content is there.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Re-publish dead-lettered payloads as they are (key and value bytes) to their source topic.",
            "Reads the dead-letter topic as it is now and selects by --kind (default: UNKNOWN_ITEM and"
                    + " INFERENCE_FAILED, failures a later attempt can pass) and --source-topic. MALFORMED and"
                    + " INVALID records would fail again identically: they are refused unless --force.",
            "Writes only to --allowed-topics (default: the input topics clicks, content, impressions): a"
                    + " selection with a dead letter from any other topic is refused, nothing published,"
                    + " unless --to names the destination.",
            "Replaying twice is harmless for clicks: the job drops a click whose event_id is already in the"
                    + " user's history. A replayed click counts as the user's newest engagement (arrival order)."
        },
        footer = {
            "",
            "Examples:",
            "  embsum dlq replay --dry-run",
            "  embsum dlq replay --kind UNKNOWN_ITEM --source-topic clicks",
            "  embsum dlq replay --source-topic clicks-v1 --to clicks"
        })
final class DlqReplayCommand implements Callable<Integer> {

    /** Kinds whose bytes fail again however often they are replayed. */
    private static final Set<String> DETERMINISTIC =
            Set.of(DeadLetterKinds.MALFORMED, DeadLetterKinds.INVALID);

    @Spec CommandSpec spec;

    @Option(
            names = "--kind",
            paramLabel = "KIND",
            split = ",",
            description = "error kinds to replay (default: UNKNOWN_ITEM,INFERENCE_FAILED)")
    Set<String> kinds =
            new LinkedHashSet<>(
                    List.of(DeadLetterKinds.UNKNOWN_ITEM, DeadLetterKinds.INFERENCE_FAILED));

    @Option(
            names = "--source-topic",
            paramLabel = "TOPIC",
            split = ",",
            description = "only dead letters that came from these topics (default: any)")
    Set<String> sourceTopics = new LinkedHashSet<>();

    @Option(
            names = "--max",
            paramLabel = "N",
            description =
                    "replay at most N records, the oldest first (by their time on the dead-letter topic)")
    Integer max;

    @Option(names = "--dry-run", description = "list what would be replayed, publish nothing")
    boolean dryRun;

    @Option(names = "--force", description = "also replay MALFORMED and INVALID records")
    boolean force;

    @Option(
            names = "--allowed-topics",
            paramLabel = "TOPIC",
            split = ",",
            description =
                    "the only topics a replay writes to; a selected dead letter from any other topic"
                            + " is refused and nothing is published (default: clicks,content,impressions,"
                            + " the job's input topics)")
    Set<String> allowedTopics =
            new LinkedHashSet<>(
                    List.of(
                            Topic.CLICKS.defaultName(),
                            Topic.CONTENT.defaultName(),
                            Topic.IMPRESSIONS.defaultName()));

    @Option(
            names = "--to",
            paramLabel = "TOPIC",
            description =
                    "write every selected payload to TOPIC instead of its source topic, on the allow-list"
                            + " or not: for an operator who means it")
    String to;

    @Option(
            names = "--topic-dead-letters",
            paramLabel = "NAME",
            description = "default: ${DEFAULT-VALUE}")
    String topicDeadLetters = Topic.DEAD_LETTERS.defaultName();

    @Mixin KafkaOptions kafka;

    /**
     * A selected dead letter, where it is in the dead-letter topic, and when it was written there.
     */
    private record Selected(DeadLetter letter, int partition, long offset, long timestamp) {}

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        SingleObjectCodec<DeadLetter> codec = SingleObjectCodec.forClass(DeadLetter.class);
        List<Selected> selected = new ArrayList<>();
        Map<String, Integer> skipped = new LinkedHashMap<>();
        long[] total = {0};
        try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer()) {
            TopicReader.readAll(
                    consumer,
                    topicDeadLetters,
                    "--topic-dead-letters",
                    r -> {
                        total[0]++;
                        DeadLetter d;
                        try {
                            d = codec.decode(r.value());
                        } catch (MalformedRecordException e) {
                            skipped.merge("not a DeadLetter record", 1, Integer::sum);
                            return;
                        }
                        if (!kinds.contains(d.getErrorKind())) {
                            skipped.merge("kind " + d.getErrorKind(), 1, Integer::sum);
                        } else if (!sourceTopics.isEmpty()
                                && !sourceTopics.contains(d.getSourceTopic())) {
                            skipped.merge("from " + d.getSourceTopic(), 1, Integer::sum);
                        } else if (d.getValue() == null) {
                            skipped.merge("tombstone (no value to replay)", 1, Integer::sum);
                        } else {
                            selected.add(new Selected(d, r.partition(), r.offset(), r.timestamp()));
                        }
                    });
        }
        // Oldest first across partitions (a topic's partitions arrive interleaved), then --max.
        selected.sort(
                Comparator.comparingLong(Selected::timestamp)
                        .thenComparingInt(Selected::partition)
                        .thenComparingLong(Selected::offset));
        if (max != null && selected.size() > max) {
            skipped.merge("beyond --max", selected.size() - max, Integer::sum);
            selected.subList(max, selected.size()).clear();
        }
        refuseDestinationsOffTheAllowList(selected);
        if (!dryRun && !selected.isEmpty()) {
            Map<String, String> destinations = new LinkedHashMap<>();
            selected.forEach(
                    s ->
                            destinations.put(
                                    destination(s),
                                    to == null ? "source_topic of a dead letter" : "--to"));
            kafka.requireTopics(destinations);
            publish(selected, out);
        } else {
            for (Selected s : selected) {
                out.println("would replay " + describe(s));
            }
        }
        List<String> why = new ArrayList<>();
        skipped.forEach((reason, n) -> why.add(n + " " + reason));
        out.printf(
                "%s %d of %d dead letters on '%s'%s%n",
                dryRun ? "would replay" : "replayed",
                selected.size(),
                total[0],
                topicDeadLetters,
                why.isEmpty() ? "" : "; not selected: " + String.join(", ", why));
        out.flush();
        return 0;
    }

    private void publish(List<Selected> selected, PrintWriter out) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = kafka.rawProducer()) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (Selected s : selected) {
                DeadLetter d = s.letter;
                sent.add(
                        producer.send(
                                new ProducerRecord<>(
                                        destination(s),
                                        ByteBuffers.toArray(d.getKey()),
                                        ByteBuffers.toArray(d.getValue()))));
            }
            producer.flush();
            for (int i = 0; i < selected.size(); i++) {
                RecordMetadata m;
                try {
                    m = sent.get(i).get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new CliFailure(
                            "replayed "
                                    + i
                                    + " of "
                                    + selected.size()
                                    + ", then publishing failed: "
                                    + e.getCause(),
                            e);
                }
                out.println(
                        "replayed "
                                + describe(selected.get(i))
                                + " -> "
                                + m.topic()
                                + "["
                                + m.partition()
                                + "]@"
                                + m.offset());
            }
        }
    }

    /** Where a selected payload goes: {@code --to}, else the topic it came from. */
    private String destination(Selected s) {
        return to != null ? to : s.letter.getSourceTopic();
    }

    /**
     * A dead letter names its own source_topic, so anyone who can write the dead-letter topic could
     * otherwise have this command publish anything anywhere (a forged model release, say) with the
     * operator's rights. Refuses the whole replay, before anything is published.
     */
    private void refuseDestinationsOffTheAllowList(List<Selected> selected) {
        if (to != null) {
            return;
        }
        Map<String, Integer> refused = new TreeMap<>();
        for (Selected s : selected) {
            if (!allowedTopics.contains(s.letter.getSourceTopic())) {
                refused.merge(s.letter.getSourceTopic(), 1, Integer::sum);
            }
        }
        if (refused.isEmpty()) {
            return;
        }
        List<String> counted = new ArrayList<>();
        refused.forEach((topic, n) -> counted.add("'" + topic + "' (" + n + ")"));
        throw new CliFailure(
                "refused: selected dead letters came from "
                        + String.join(", ", counted)
                        + ", not on the allow-list of replay destinations ("
                        + String.join(", ", allowedTopics)
                        + "); nothing was published. Leave them out with --source-topic, add the topic"
                        + " to --allowed-topics if replaying there is intended, or name the destination"
                        + " with --to TOPIC.");
    }

    private String describe(Selected s) {
        DeadLetter d = s.letter;
        byte[] key = ByteBuffers.toArray(d.getKey());
        return topicDeadLetters
                + "["
                + s.partition
                + "]@"
                + s.offset
                + " "
                + d.getErrorKind()
                + " from "
                + d.getSourceTopic()
                + "["
                + d.getPartition()
                + "]@"
                + d.getOffset()
                + " key "
                + (key == null ? "null" : "\"" + new String(key, StandardCharsets.UTF_8) + "\"")
                + " ("
                + d.getValue().remaining()
                + " bytes)";
    }

    private void validate() {
        if (max != null && max < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--max must be at least 1, got " + max);
        }
        allowedTopics.removeIf(String::isBlank);
        if (allowedTopics.isEmpty()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--allowed-topics needs at least one topic, e.g. clicks (or name one with --to)");
        }
        if (to != null && to.isBlank()) {
            throw new ParameterException(
                    spec.commandLine(), "--to needs a topic name, e.g. --to clicks");
        }
        if (kinds.isEmpty()) {
            throw new ParameterException(
                    spec.commandLine(), "--kind needs at least one error kind, e.g. UNKNOWN_ITEM");
        }
        for (String kind : kinds) {
            if (DETERMINISTIC.contains(kind) && !force) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--kind "
                                + kind
                                + ": replaying sends the very bytes"
                                + " that were "
                                + (kind.equals(DeadLetterKinds.MALFORMED)
                                        ? "undecodable"
                                        : "invalid")
                                + ", so the job would dead-letter them again. Fix the producer and re-send the records;"
                                + " pass --force only if the job itself was changed to accept them.");
            }
        }
    }
}
