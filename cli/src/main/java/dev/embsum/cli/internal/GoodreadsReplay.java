package dev.embsum.cli.internal;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.Domain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The goodbooks-10k sample (data/goodreads, see its PROVENANCE.md) as a stream, read like the
 * trainer's {@code embsum.data.goodreads.read_goodbooks}: every rating of the first N users of
 * Ratings.csv (in order of their first rating) as a RATE ClickEvent, in file order, and the books
 * they rated as ContentItems (title from Books.csv, description from book_descriptions.csv).
 *
 * <p>Ratings are published as they are: the job keeps ratings above 3 and drops the rest
 * (flink-jobs/README.md). goodbooks-10k has no timestamps, so a rating's event_time is a fixed
 * start plus one second per row: file order, the same approximation of time the trainer uses. A
 * rating of 0 ("not rated" in the UCSD files) is left out; event_id is {@code
 * goodreads-<user>-<book>} (one rating per user and book).
 */
public final class GoodreadsReplay {

    static final Instant FIRST_RATING_TIME = Instant.parse("2017-01-01T00:00:00Z");
    private static final Instant CATALOGUE_TIME = Instant.parse("2017-01-01T00:00:00Z");

    private final Map<String, ContentItem> items = new LinkedHashMap<>();
    private final List<ClickEvent> ratings = new ArrayList<>();
    private final Map<String, Integer> ratingsPerUser = new LinkedHashMap<>();
    private int skippedUnknownBooks;
    private int skippedNotRated;

    private GoodreadsReplay() {}

    /**
     * @param users how many users, the first ones of Ratings.csv ({@link Integer#MAX_VALUE}: all)
     */
    public static GoodreadsReplay load(Path dir, int users) throws IOException {
        Map<String, String> descriptions = readDescriptions(dir.resolve("book_descriptions.csv"));
        Map<String, String> titles = new HashMap<>();
        try (CsvReader books = open(dir.resolve("Books.csv"))) {
            int id = books.column("book_id");
            int title = books.column("title");
            for (List<String> row; (row = books.next()) != null; ) {
                titles.put(CsvReader.field(row, id), CsvReader.field(row, title));
            }
        }
        GoodreadsReplay replay = new GoodreadsReplay();
        Set<String> chosen = new LinkedHashSet<>();
        try (CsvReader csv = open(dir.resolve("Ratings.csv"))) {
            int bookCol = csv.column("book_id");
            int userCol = csv.column("user_id");
            int ratingCol = csv.column("rating");
            long row = 0;
            for (List<String> r; (r = csv.next()) != null; row++) {
                String user = CsvReader.field(r, userCol);
                String book = CsvReader.field(r, bookCol);
                if (!chosen.contains(user)) {
                    if (chosen.size() == users) {
                        continue;
                    }
                    chosen.add(user);
                }
                int rating =
                        rating(
                                CsvReader.field(r, ratingCol),
                                dir.resolve("Ratings.csv"),
                                csv.recordLine());
                if (rating == 0) {
                    replay.skippedNotRated++;
                    continue;
                }
                String title = titles.get(book);
                if (title == null) {
                    replay.skippedUnknownBooks++;
                    continue;
                }
                replay.items.computeIfAbsent(
                        book,
                        b ->
                                ContentItem.newBuilder()
                                        .setItemId(b)
                                        .setDomain(Domain.book)
                                        .setTitle(title)
                                        .setAbstract$(descriptions.get(b))
                                        .setCategory(null)
                                        .setSubcategory(null)
                                        .setUpdatedAt(CATALOGUE_TIME)
                                        .setDeleted(false)
                                        .build());
                replay.ratings.add(
                        ClickEvent.newBuilder()
                                .setEventId("goodreads-" + user + "-" + book)
                                .setUserId(user)
                                .setItemId(book)
                                .setEventTime(FIRST_RATING_TIME.plusSeconds(row))
                                .setAction(Action.RATE)
                                .setRating(rating)
                                .setImpressionId(null)
                                .build());
                replay.ratingsPerUser.merge(user, 1, Integer::sum);
            }
        }
        return replay;
    }

    /** The books the chosen users rated, in first-rated order. */
    public Map<String, ContentItem> items() {
        return Collections.unmodifiableMap(items);
    }

    /** Every rating of the chosen users as a RATE ClickEvent, in file order. */
    public List<ClickEvent> ratings() {
        return Collections.unmodifiableList(ratings);
    }

    /** The chosen users in file order, with their number of ratings. */
    public Map<String, Integer> ratingsPerUser() {
        return Collections.unmodifiableMap(ratingsPerUser);
    }

    /** Ratings left out because Books.csv lacks the book. */
    public int skippedUnknownBooks() {
        return skippedUnknownBooks;
    }

    /** Ratings of 0 ("shelved, not rated") left out. */
    public int skippedNotRated() {
        return skippedNotRated;
    }

    private static Map<String, String> readDescriptions(Path file) throws IOException {
        Map<String, String> out = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return out; // optional: books are then title-only
        }
        try (CsvReader csv = CsvReader.open(file)) {
            int id = csv.column("book_id");
            int description = csv.column("description");
            for (List<String> row; (row = csv.next()) != null; ) {
                String d = CsvReader.field(row, description);
                if (!d.isBlank()) {
                    out.put(CsvReader.field(row, id), d);
                }
            }
        }
        return out;
    }

    private static int rating(String value, Path file, long line) throws IOException {
        try {
            int r = Integer.parseInt(value.strip());
            if (r >= 0 && r <= 5) {
                return r;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException(
                file + ":" + line + ": rating '" + value + "' is not an integer 0..5");
    }

    private static CsvReader open(Path file) throws IOException {
        try {
            return CsvReader.open(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(
                    file + " (the goodbooks-10k sample ships in data/goodreads)");
        }
    }
}
