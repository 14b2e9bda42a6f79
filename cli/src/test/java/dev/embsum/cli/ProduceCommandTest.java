package dev.embsum.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.Domain;
import dev.embsum.avro.Impression;
import dev.embsum.serde.SingleObjectCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code embsum produce} against an in-process broker: what it wrote is read back and decoded with
 * the job's codec; counts are held against the files (counted here independently), a few records
 * field by field.
 */
@InProcessKafka
class ProduceCommandTest {

    private static final Path ROOT = Paths.get(System.getProperty("embsum.root", ".."));
    private static final Path MIND = ROOT.resolve("data/mind");
    private static final Path GOODREADS = ROOT.resolve("data/goodreads");
    private static final DateTimeFormatter ROW_TIME =
            DateTimeFormatter.ofPattern("M/d/yyyy h:mm:ss a", Locale.US);

    /** Set by {@link InProcessKafka}. */
    private static TestKafka kafka;

    /**
     * MIND's first 12 users: content, clicks and impressions, read back and compared with the TSV
     * files.
     */
    @Test
    void mindUsersAreReplayedAsTheJobReadsThem() throws Exception {
        MindFiles expected = MindFiles.firstUsers(12);
        kafka.createTopics("mind-content", "mind-clicks", "mind-impressions");
        Cli.Result r = produceMind("mind-", 12, "--rate", "0");
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(r.out())
                .startsWith(
                        "published "
                                + (expected.items.size() + expected.clicks + expected.rows.size())
                                + " records")
                .contains(
                        expected.items.size() + " to 'mind-content'",
                        expected.clicks + " to 'mind-clicks'",
                        expected.rows.size() + " to 'mind-impressions'");
        assertThat(r.err()).contains("MIND " + MIND + ": 12 users");

        // content: every news item the users saw or clicked, keyed by item_id, fields from news.tsv
        List<ConsumerRecord<byte[], byte[]>> content = kafka.readAll("mind-content");
        SingleObjectCodec<ContentItem> items = SingleObjectCodec.forClass(ContentItem.class);
        Map<String, ContentItem> published = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> rec : content) {
            ContentItem item = items.decode(rec.value());
            assertThat(key(rec)).isEqualTo(item.getItemId());
            published.put(item.getItemId(), item);
        }
        assertThat(content).hasSize(expected.items.size());
        assertThat(published.keySet()).isEqualTo(expected.items);
        String[] n =
                expected.news.get(
                        expected.rows.get(0)[3].split(" ")[0]); // the first user's oldest click
        ContentItem item = published.get(n[0]);
        assertThat(item.getDomain()).isEqualTo(Domain.news);
        // news.tsv: id, category, subcategory, title, abstract; an empty field is a missing (null)
        // one
        assertThat(item.getCategory()).isEqualTo(n[1].isEmpty() ? null : n[1]);
        assertThat(item.getSubcategory()).isEqualTo(n[2].isEmpty() ? null : n[2]);
        assertThat(item.getTitle()).isEqualTo(n[3]);
        assertThat(item.getAbstract$()).isEqualTo(n[4].isEmpty() ? null : n[4]);
        assertThat(item.getDeleted()).isFalse();

        // impressions: one per behaviors row, every item shown in order
        SingleObjectCodec<Impression> impressions = SingleObjectCodec.forClass(Impression.class);
        Map<String, Impression> byId = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> rec : kafka.readAll("mind-impressions")) {
            Impression i = impressions.decode(rec.value());
            assertThat(key(rec)).isEqualTo(i.getUserId());
            byId.put(i.getImpressionId(), i);
        }
        assertThat(byId).hasSize(expected.rows.size());
        String[] row = expected.rows.get(0);
        Impression first = byId.get(row[0]);
        assertThat(first.getUserId()).isEqualTo(row[1]);
        assertThat(first.getEventTime()).isEqualTo(rowTime(row));
        assertThat(first.getItemIds())
                .containsExactlyElementsOf(
                        Arrays.stream(row[4].split(" "))
                                .map(s -> s.substring(0, s.lastIndexOf('-')))
                                .toList());

        // clicks: per user in file order (History first), keyed by user_id
        SingleObjectCodec<ClickEvent> clicks = SingleObjectCodec.forClass(ClickEvent.class);
        Map<String, List<ClickEvent>> byUser = new LinkedHashMap<>();
        List<ConsumerRecord<byte[], byte[]>> clickRecords = kafka.readAll("mind-clicks");
        for (ConsumerRecord<byte[], byte[]> rec : clickRecords) {
            ClickEvent c = clicks.decode(rec.value());
            assertThat(key(rec)).isEqualTo(c.getUserId());
            byUser.computeIfAbsent(c.getUserId(), u -> new ArrayList<>()).add(c);
        }
        assertThat(clickRecords).hasSize(expected.clicks);
        List<ClickEvent> u = byUser.get(row[1]);
        List<String> history =
                Arrays.stream(row[3].split(" ")).filter(expected.news::containsKey).toList();
        assertThat(u.subList(0, history.size()))
                .extracting(ClickEvent::getItemId)
                .containsExactlyElementsOf(history);
        ClickEvent h0 = u.get(0);
        assertThat(h0.getEventId()).isEqualTo(row[1] + "-h0");
        assertThat(h0.getAction()).isEqualTo(Action.CLICK);
        assertThat(h0.getRating()).isNull();
        assertThat(h0.getImpressionId()).isNull();
        assertThat(h0.getEventTime()).isBefore(rowTime(row));
        ClickEvent labelled =
                u.get(history.size()); // the first clicked impression of the first row
        String firstClicked =
                Arrays.stream(row[4].split(" "))
                        .filter(s -> s.endsWith("-1"))
                        .findFirst()
                        .orElseThrow();
        assertThat(labelled.getItemId())
                .isEqualTo(firstClicked.substring(0, firstClicked.length() - 2));
        assertThat(labelled.getImpressionId()).isEqualTo(row[0]);
        assertThat(labelled.getEventTime()).isEqualTo(rowTime(row));
    }

    /**
     * Goodreads' first 5 users: ratings as RATE clicks, the books they rated (quoted, multi-line
     * CSV fields).
     */
    @Test
    void goodreadsRatingsAndBooks() throws Exception {
        kafka.createTopics("gr-content", "gr-clicks");
        Cli.Result r =
                Cli.run(
                        kafka,
                        produceTo("gr-"),
                        "--goodreads",
                        GOODREADS.toString(),
                        "--users",
                        "5",
                        "--rate",
                        "0");
        assertThat(r.status()).as(r.toString()).isZero();

        // Ratings.csv has no quoted fields: book_id,user_id,rating
        List<String[]> ratings = new ArrayList<>();
        Set<String> users = new LinkedHashSet<>();
        List<String> lines =
                Files.readAllLines(GOODREADS.resolve("Ratings.csv"), StandardCharsets.UTF_8);
        Map<String, Long> rowOf = new HashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            if (!users.contains(f[1]) && users.size() == 5) {
                continue;
            }
            users.add(f[1]);
            ratings.add(f);
            rowOf.put(f[1] + "/" + f[0], (long) i - 1);
        }
        Set<String> books = new LinkedHashSet<>();
        ratings.forEach(f -> books.add(f[0]));
        // Goodreads has no impressions: the impressions topic (not created) is not even needed.
        assertThat(r.out())
                .contains(books.size() + " to 'gr-content'", ratings.size() + " to 'gr-clicks'")
                .doesNotContain("gr-impressions");
        assertThat(r.err())
                .contains(
                        "Goodreads "
                                + GOODREADS
                                + ": 5 users, "
                                + books.size()
                                + " books, "
                                + ratings.size()
                                + " ratings");

        SingleObjectCodec<ClickEvent> clicks = SingleObjectCodec.forClass(ClickEvent.class);
        List<ConsumerRecord<byte[], byte[]>> clickRecords = kafka.readAll("gr-clicks");
        clickRecords.forEach(
                c -> assertThat(key(c)).isEqualTo(clicks.decode(c.value()).getUserId()));
        List<ClickEvent> rated = clickRecords.stream().map(c -> clicks.decode(c.value())).toList();
        assertThat(rated).hasSize(ratings.size());
        for (ClickEvent c : rated) {
            assertThat(c.getAction()).isEqualTo(Action.RATE);
            assertThat(c.getEventId())
                    .isEqualTo("goodreads-" + c.getUserId() + "-" + c.getItemId());
            assertThat(c.getEventTime())
                    .isEqualTo(
                            Instant.parse("2017-01-01T00:00:00Z")
                                    .plusSeconds(rowOf.get(c.getUserId() + "/" + c.getItemId())));
        }
        String[] first = ratings.get(0);
        ClickEvent c0 =
                rated.stream()
                        .filter(
                                c ->
                                        c.getUserId().equals(first[1])
                                                && c.getItemId().equals(first[0]))
                        .findFirst()
                        .orElseThrow();
        assertThat(c0.getRating()).isEqualTo(Integer.parseInt(first[2]));

        SingleObjectCodec<ContentItem> items = SingleObjectCodec.forClass(ContentItem.class);
        Map<String, ContentItem> byId = new HashMap<>();
        List<ConsumerRecord<byte[], byte[]>> contentRecords = kafka.readAll("gr-content");
        contentRecords.stream()
                .map(c -> items.decode(c.value()))
                .forEach(i -> byId.put(i.getItemId(), i));
        assertThat(contentRecords).hasSize(books.size());
        assertThat(byId.keySet()).isEqualTo(books);
        assertThat(byId.values()).allMatch(i -> i.getDomain() == Domain.book && !i.getDeleted());
        ContentItem hungerGames = byId.get("1");
        assertThat(hungerGames.getTitle()).isEqualTo("The Hunger Games (The Hunger Games, #1)");
        // A description that spans five lines in book_descriptions.csv, byte for byte (sha256 as
        // Python's csv reads it).
        assertThat(hungerGames.getAbstract$())
                .startsWith("The Hunger Games is a 2008 dystopian novel")
                .contains("\n");
        assertThat(
                        HexFormat.of()
                                .formatHex(
                                        MessageDigest.getInstance("SHA-256")
                                                .digest(
                                                        hungerGames
                                                                .getAbstract$()
                                                                .getBytes(StandardCharsets.UTF_8))))
                .isEqualTo("7557dd48c286b9f20b4422ad19c17a684eb2da53bc23266a2101a4783a8df4c2");
        assertThat(byId.get("931").getTitle())
                .isEqualTo("Not That Kind of Girl: A Young Woman Tells You What She's \"Learned\"");
        assertThat(hungerGames.getCategory()).isNull();
    }

    @Test
    void onlySelectedStreams() throws Exception {
        kafka.createTopics("only-content", "only-clicks", "only-impressions");
        Cli.Result r = produceMind("only-", 2, "--rate", "0", "--only", "impressions");
        assertThat(r.status()).as(r.toString()).isZero();
        assertThat(kafka.endOffsets("only-clicks")).isZero();
        assertThat(kafka.endOffsets("only-content")).isZero();
        assertThat(kafka.endOffsets("only-impressions"))
                .isEqualTo(MindFiles.firstUsers(2).rows.size());
    }

    @Test
    void aMissingTopicIsNamedWithItsOption() {
        Cli.Result r =
                Cli.run(
                        kafka,
                        List.of("produce", "--topic-clicks", "klicks"),
                        "--mind",
                        MIND.toString(),
                        "--users",
                        "1");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err())
                .contains(
                        "embsum produce: no topic 'klicks' (--topic-clicks) on "
                                + kafka.bootstrap()
                                + ". Create the topics first");
    }

    @Test
    void rateLimitHoldsOnAverage() throws IOException {
        long start = System.nanoTime();
        Cli.Result r = produceMind("", 10, "--only", "impressions", "--rate", "40");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(r.status()).as(r.toString()).isZero();
        int rows = MindFiles.firstUsers(10).rows.size();
        assertThat(rows).isGreaterThan(10);
        // n records at 40/s: the last is due after (n - 1) / 40 s
        assertThat(seconds).isGreaterThanOrEqualTo((rows - 1) / 40.0);
        assertThat(r.err())
                .contains(
                        "publishing [##############################] "
                                + rows
                                + "/"
                                + rows
                                + " 100%");
    }

    /**
     * embsum produce to the test broker's topics {@code topicPrefix + "content"}, {@code
     * topicPrefix + "clicks"} and {@code topicPrefix + "impressions"} ("" for the default names).
     */
    private static List<String> produceTo(String topicPrefix) {
        return List.of(
                "produce",
                "--topic-content",
                topicPrefix + "content",
                "--topic-clicks",
                topicPrefix + "clicks",
                "--topic-impressions",
                topicPrefix + "impressions");
    }

    /** {@link #produceTo} of MIND's first {@code users} users. */
    private static Cli.Result produceMind(String topicPrefix, int users, String... options) {
        List<String> command = new ArrayList<>(produceTo(topicPrefix));
        command.addAll(List.of("--mind", MIND.toString(), "--users", String.valueOf(users)));
        return Cli.run(kafka, command, options);
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.key(), StandardCharsets.UTF_8);
    }

    private static Instant rowTime(String[] row) {
        return LocalDateTime.parse(row[2], ROW_TIME).toInstant(ZoneOffset.UTC);
    }

    /** The MIND files read directly: the first N users' rows, and what they should produce. */
    private static final class MindFiles {
        final Map<String, String[]> news = new HashMap<>();
        final List<String[]> rows = new ArrayList<>();
        final Set<String> items = new LinkedHashSet<>();
        int clicks;

        static MindFiles firstUsers(int n) throws IOException {
            MindFiles m = new MindFiles();
            for (String line :
                    Files.readAllLines(MIND.resolve("news.tsv"), StandardCharsets.UTF_8)) {
                String[] f = line.split("\t", -1);
                m.news.put(f[0], f);
            }
            Set<String> users = new LinkedHashSet<>();
            for (String line :
                    Files.readAllLines(MIND.resolve("behaviors.tsv"), StandardCharsets.UTF_8)) {
                String[] f = line.split("\t", -1);
                boolean firstRow = !users.contains(f[1]);
                if (firstRow && users.size() == n) {
                    continue;
                }
                users.add(f[1]);
                m.rows.add(f);
                if (firstRow && !f[3].isBlank()) {
                    for (String h : f[3].trim().split(" ")) {
                        if (m.news.containsKey(h)) {
                            m.clicks++;
                            m.items.add(h);
                        }
                    }
                }
                for (String s : f[4].trim().split(" ")) {
                    String id = s.substring(0, s.lastIndexOf('-'));
                    if (m.news.containsKey(id)) {
                        m.items.add(id);
                        if (s.endsWith("-1")) {
                            m.clicks++;
                        }
                    }
                }
            }
            return m;
        }
    }
}
