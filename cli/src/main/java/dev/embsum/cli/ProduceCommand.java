package dev.embsum.cli;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.Impression;
import dev.embsum.cli.internal.CliFailure;
import dev.embsum.cli.internal.GoodreadsReplay;
import dev.embsum.cli.internal.KafkaOptions;
import dev.embsum.cli.internal.Pacer;
import dev.embsum.cli.internal.ProgressBar;
import dev.embsum.replay.MindReplay;
import dev.embsum.serde.SingleObjectCodec;
import dev.embsum.serde.Topic;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Publishes a public dataset as the streams the job reads: the catalogue to {@code content}, the
 * engagements to {@code clicks} and (MIND) what was shown to {@code impressions}, Avro
 * single-object encoded exactly as the job decodes them, keyed by item_id / user_id.
 */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Publish MIND or Goodreads files as content, clicks and impressions.",
            "",
            "MIND (news.tsv + behaviors.tsv): for each user (first N of behaviors.tsv) the History once as"
                    + " clicks, then per row an Impression (every item shown) and its clicked items as clicks;"
                    + " content = every news item those users saw or clicked. Same replay as the embedded demo.",
            "Goodreads (Books.csv, Ratings.csv, book_descriptions.csv): every rating of the first N users as"
                    + " a RATE click (the job keeps ratings > 3), content = the books they rated.",
            "",
            "Content is published first, then the events in file order, at --rate records/s."
        },
        footer = {
            "",
            "Examples:",
            "  embsum produce --mind data/mind --users 50 --rate 200",
            "  embsum produce --goodreads data/goodreads --only content",
            "  embsum produce --mind data/mind --only clicks,impressions --bootstrap-servers kafka:19092"
        })
final class ProduceCommand implements Callable<Integer> {

    /** What to publish. */
    enum Stream {
        content,
        clicks,
        impressions
    }

    static final class Source {
        @Option(
                names = "--mind",
                paramLabel = "DIR",
                required = true,
                description = "a MIND directory with news.tsv and behaviors.tsv (e.g. data/mind)")
        Path mind;

        @Option(
                names = "--goodreads",
                paramLabel = "DIR",
                required = true,
                description =
                        "a goodbooks-10k directory with Books.csv and Ratings.csv (e.g. data/goodreads)")
        Path goodreads;
    }

    @Spec CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(
            names = "--users",
            paramLabel = "N",
            description = "only the first N users of the file (default: all)")
    Integer users;

    @Option(
            names = "--only",
            paramLabel = "STREAM",
            split = ",",
            description =
                    "publish only these: content, clicks, impressions (default: all three; Goodreads has no"
                            + " impressions)")
    Set<Stream> only = EnumSet.allOf(Stream.class);

    @Option(
            names = "--rate",
            paramLabel = "R",
            defaultValue = "1000",
            description =
                    "records per second, all topics together (default: ${DEFAULT-VALUE}; 0 = as fast as"
                            + " possible)")
    double rate;

    @Option(
            names = "--topic-content",
            paramLabel = "NAME",
            description = "default: ${DEFAULT-VALUE}")
    String topicContent = Topic.CONTENT.defaultName();

    @Option(
            names = "--topic-clicks",
            paramLabel = "NAME",
            description = "default: ${DEFAULT-VALUE}")
    String topicClicks = Topic.CLICKS.defaultName();

    @Option(
            names = "--topic-impressions",
            paramLabel = "NAME",
            description = "default: ${DEFAULT-VALUE}")
    String topicImpressions = Topic.IMPRESSIONS.defaultName();

    @Option(names = "--quiet", description = "no progress bar")
    boolean quiet;

    @Mixin KafkaOptions kafka;

    /** One record to publish: topic, key, encoded value. */
    private record Out(String topic, String key, byte[] value) {}

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Out> records = new ArrayList<>();
        String summary = source.mind != null ? loadMind(records) : loadGoodreads(records);
        Map<String, Long> perTopic = new LinkedHashMap<>();
        for (Out r : records) {
            perTopic.merge(r.topic, 0L, Long::sum);
        }
        if (records.isEmpty()) {
            throw new CliFailure("nothing to publish: " + summary);
        }
        Map<String, String> required = new LinkedHashMap<>();
        perTopic.keySet().forEach(t -> required.put(t, "--topic-" + optionOf(t)));
        kafka.requireTopics(required);

        err.println("embsum produce: " + summary);
        long start = System.nanoTime();
        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        ProgressBar bar =
                new ProgressBar(err, "publishing", records.size(), ProgressBar.stderrIsTerminal());
        Pacer pacer = new Pacer(rate);
        try (KafkaProducer<String, byte[]> producer = kafka.producer()) {
            for (Out r : records) {
                if (failure.get() != null) {
                    break;
                }
                pacer.await();
                try {
                    producer.send(
                            new ProducerRecord<>(r.topic, r.key, r.value),
                            (meta, e) -> {
                                if (e != null) {
                                    failure.compareAndSet(null, e);
                                } else {
                                    acked.incrementAndGet();
                                }
                            });
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    throw kafka.unreachable(e);
                }
                perTopic.merge(r.topic, 1L, Long::sum);
                if (!quiet) {
                    bar.advance();
                }
            }
            producer.flush();
        }
        if (!quiet) {
            bar.finish();
        }
        if (failure.get() != null) {
            throw new CliFailure(
                    "publishing failed after "
                            + acked.get()
                            + " of "
                            + records.size()
                            + " records: "
                            + failure.get(),
                    failure.get());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<String> parts = new ArrayList<>();
        perTopic.forEach((topic, n) -> parts.add(n + " to '" + topic + "'"));
        out.printf(
                Locale.ROOT,
                "published %d records in %.1f s (%.0f/s): %s%n",
                acked.get(),
                seconds,
                acked.get() / Math.max(seconds, 1e-9),
                String.join(", ", parts));
        out.flush();
        return 0;
    }

    private String loadMind(List<Out> records) throws IOException {
        MindReplay replay = MindReplay.load(source.mind, users == null ? Integer.MAX_VALUE : users);
        if (only.contains(Stream.content)) {
            addContent(records, replay.items().values());
        }
        SingleObjectCodec<ClickEvent> clicks = SingleObjectCodec.forClass(ClickEvent.class);
        SingleObjectCodec<Impression> impressions = SingleObjectCodec.forClass(Impression.class);
        for (SpecificRecord e : replay.events()) {
            if (e instanceof ClickEvent c && only.contains(Stream.clicks)) {
                records.add(new Out(topicClicks, c.getUserId(), clicks.encode(c)));
            } else if (e instanceof Impression i && only.contains(Stream.impressions)) {
                records.add(new Out(topicImpressions, i.getUserId(), impressions.encode(i)));
            }
        }
        return String.format(
                Locale.ROOT,
                "MIND %s: %d users, %d news items, %d clicks, %d impressions"
                        + " (%d clicks left out: item not in news.tsv)",
                source.mind,
                replay.clicksPerUser().size(),
                replay.items().size(),
                replay.clicks().size(),
                replay.impressions().size(),
                replay.skippedUnknownItems());
    }

    private String loadGoodreads(List<Out> records) throws IOException {
        if (only.equals(EnumSet.of(Stream.impressions))) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--only impressions: the Goodreads files have no impressions (only content and clicks)");
        }
        GoodreadsReplay replay =
                GoodreadsReplay.load(source.goodreads, users == null ? Integer.MAX_VALUE : users);
        if (only.contains(Stream.content)) {
            addContent(records, replay.items().values());
        }
        if (only.contains(Stream.clicks)) {
            SingleObjectCodec<ClickEvent> clicks = SingleObjectCodec.forClass(ClickEvent.class);
            for (ClickEvent c : replay.ratings()) {
                records.add(new Out(topicClicks, c.getUserId(), clicks.encode(c)));
            }
        }
        return String.format(
                Locale.ROOT,
                "Goodreads %s: %d users, %d books, %d ratings as RATE clicks"
                        + " (left out: %d of unknown books, %d not rated)",
                source.goodreads,
                replay.ratingsPerUser().size(),
                replay.items().size(),
                replay.ratings().size(),
                replay.skippedUnknownBooks(),
                replay.skippedNotRated());
    }

    private void addContent(List<Out> records, Iterable<ContentItem> items) {
        SingleObjectCodec<ContentItem> codec = SingleObjectCodec.forClass(ContentItem.class);
        for (ContentItem item : items) {
            records.add(new Out(topicContent, item.getItemId(), codec.encode(item)));
        }
    }

    private String optionOf(String topic) {
        return topic.equals(topicContent)
                ? "content"
                : topic.equals(topicClicks) ? "clicks" : "impressions";
    }

    private void validate() {
        if (users != null && users < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--users must be at least 1, got " + users);
        }
        if (rate < 0 || Double.isNaN(rate)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--rate must be 0 (no limit) or a positive number of records per second, got "
                            + rate);
        }
        if (only.isEmpty()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--only needs at least one of content, clicks, impressions");
        }
        Path dir = source.mind != null ? source.mind : source.goodreads;
        String option = source.mind != null ? "--mind" : "--goodreads";
        List<String> needed =
                source.mind != null
                        ? List.of("news.tsv", "behaviors.tsv")
                        : List.of("Books.csv", "Ratings.csv");
        if (!Files.isDirectory(dir)) {
            throw new ParameterException(
                    spec.commandLine(),
                    option
                            + " "
                            + dir
                            + ": no such directory"
                            + " (the samples ship in data/mind and data/goodreads)");
        }
        for (String f : needed) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new ParameterException(
                        spec.commandLine(),
                        option
                                + " "
                                + dir
                                + " has no "
                                + f
                                + " (expected "
                                + String.join(" and ", needed)
                                + ")");
            }
        }
    }
}
