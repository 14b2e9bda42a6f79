package dev.embsum.replay;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.Domain;
import dev.embsum.avro.Impression;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * The MIND sample as a stream: the news items as ContentItems and, for the first N users of
 * behaviors.tsv in file order, each row's History as clicks, then the row as an Impression (every
 * item shown, in order) and its clicked impressions (label 1) as clicks naming the impression. Used
 * by the embedded demo and by the CLI's {@code embsum produce --mind}.
 *
 * <p>MIND repeats a user's (fixed, pre-period) History on each of the user's rows, so it is
 * replayed once, on the user's first row; repeats inside a History are real and kept. MIND has no
 * times for History clicks; they get the row's time minus one second per position.
 */
public final class MindReplay {

    private static final DateTimeFormatter ROW_TIME =
            DateTimeFormatter.ofPattern("M/d/yyyy h:mm:ss a", Locale.US);
    private static final Instant CATALOGUE_TIME = Instant.parse("2019-11-09T00:00:00Z");

    /** Every item a replayed user saw or clicked, by id (the catalogue the demo publishes). */
    public final Map<String, ContentItem> items = new LinkedHashMap<>();

    /** Clicks in publishing order. */
    public final List<ClickEvent> clicks = new ArrayList<>();

    /** One per behaviors row of a replayed user, in file order. */
    public final List<Impression> impressions = new ArrayList<>();

    /**
     * Clicks and impressions together, in file order (a row's History clicks, its Impression, its
     * clicks).
     */
    final List<SpecificRecord> events = new ArrayList<>();

    /**
     * Users in first-appearance order, with how many clicks each gets (= final history_version).
     */
    public final Map<String, Integer> clicksPerUser = new LinkedHashMap<>();

    private final Map<String, Set<String>> clickedByUser = new HashMap<>();

    /**
     * Clicks not replayed because news.tsv lacks the item (they would only wait and dead-letter).
     */
    private int skippedUnknownItems;

    private MindReplay() {}

    /**
     * Reads {@code news.tsv} and {@code behaviors.tsv} of {@code dir}.
     *
     * @param users how many users to replay, the first ones of behaviors.tsv in file order ({@link
     *     Integer#MAX_VALUE}: all)
     */
    public static MindReplay load(Path dir, int users) throws IOException {
        Map<String, String[]> news = new HashMap<>();
        for (String line : read(dir.resolve("news.tsv"))) {
            String[] f = line.split("\t", -1);
            news.put(f[0], f);
        }
        MindReplay replay = new MindReplay();
        Set<String> historyDone = new HashSet<>();
        for (String line : read(dir.resolve("behaviors.tsv"))) {
            String[] f = line.split("\t", -1);
            String impressionId = f[0];
            String user = f[1];
            if (!replay.clicksPerUser.containsKey(user) && replay.clicksPerUser.size() == users) {
                continue;
            }
            replay.clicksPerUser.putIfAbsent(user, 0);
            Instant rowTime = LocalDateTime.parse(f[2], ROW_TIME).toInstant(ZoneOffset.UTC);
            if (historyDone.add(user)) {
                String[] history = f[3].isBlank() ? new String[0] : f[3].trim().split(" ");
                for (int i = 0; i < history.length; i++) {
                    replay.click(
                            news,
                            user,
                            history[i],
                            user + "-h" + i,
                            rowTime.minusSeconds(history.length - i),
                            null);
                }
            }
            String[] shownItems = f[4].isBlank() ? new String[0] : f[4].trim().split(" ");
            List<String> shownIds = new ArrayList<>(shownItems.length);
            for (String shown : shownItems) {
                shownIds.add(shown.substring(0, shown.lastIndexOf('-')));
            }
            Impression impression =
                    Impression.newBuilder()
                            .setImpressionId(impressionId)
                            .setUserId(user)
                            .setItemIds(shownIds)
                            .setEventTime(rowTime)
                            .build();
            replay.impressions.add(impression);
            replay.events.add(impression);
            for (int i = 0; i < shownItems.length; i++) {
                String item = shownIds.get(i);
                replay.addItem(news, item);
                if (shownItems[i].endsWith("-1")) {
                    replay.click(
                            news, user, item, impressionId + "-" + item, rowTime, impressionId);
                }
            }
        }
        replay.clicksPerUser.values().removeIf(n -> n == 0);
        return replay;
    }

    /** Every item a replayed user saw or clicked (and news.tsv has), in first-seen order. */
    public Map<String, ContentItem> items() {
        return Collections.unmodifiableMap(items);
    }

    /** The clicks, in publishing order. */
    public List<ClickEvent> clicks() {
        return Collections.unmodifiableList(clicks);
    }

    /** One Impression per behaviors row of a replayed user, in file order. */
    public List<Impression> impressions() {
        return Collections.unmodifiableList(impressions);
    }

    /** {@link #clicks()} and {@link #impressions()} merged in file order. */
    public List<SpecificRecord> events() {
        return Collections.unmodifiableList(events);
    }

    /**
     * The replayed users in file order, with how many clicks each gets (= final history_version).
     */
    public Map<String, Integer> clicksPerUser() {
        return Collections.unmodifiableMap(clicksPerUser);
    }

    /** Clicks left out because news.tsv lacks their item (they could only wait and dead-letter). */
    public int skippedUnknownItems() {
        return skippedUnknownItems;
    }

    /** The items {@code userId} clicked in the replay (empty for a user it does not hold). */
    public Set<String> clickedBy(String userId) {
        return Collections.unmodifiableSet(clickedByUser.getOrDefault(userId, Set.of()));
    }

    private void click(
            Map<String, String[]> news,
            String user,
            String item,
            String eventId,
            Instant time,
            String impressionId) {
        if (!addItem(news, item)) {
            skippedUnknownItems++;
            return;
        }
        ClickEvent click =
                ClickEvent.newBuilder()
                        .setEventId(eventId)
                        .setUserId(user)
                        .setItemId(item)
                        .setEventTime(time)
                        .setAction(Action.CLICK)
                        .setRating(null)
                        .setImpressionId(impressionId)
                        .build();
        clicks.add(click);
        events.add(click);
        clicksPerUser.merge(user, 1, Integer::sum);
        clickedByUser.computeIfAbsent(user, u -> new LinkedHashSet<>()).add(item);
    }

    private boolean addItem(Map<String, String[]> news, String id) {
        String[] n = news.get(id);
        if (n == null) {
            return false;
        }
        items.computeIfAbsent(
                id,
                k ->
                        ContentItem.newBuilder()
                                .setItemId(id)
                                .setDomain(Domain.news)
                                .setTitle(n[3])
                                .setAbstract$(n[4].isEmpty() ? null : n[4])
                                .setCategory(n[1].isEmpty() ? null : n[1])
                                .setSubcategory(n[2].isEmpty() ? null : n[2])
                                .setUpdatedAt(CATALOGUE_TIME)
                                .setDeleted(false)
                                .build());
        return true;
    }

    private static List<String> read(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(
                    file.toAbsolutePath()
                            + " (the MIND sample ships in data/mind;"
                            + " run from the repository root or pass --data DIR)");
        }
    }
}
