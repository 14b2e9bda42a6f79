package dev.embsum.flink.demo;

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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The MIND sample as a stream: the news items as ContentItems and, for the first N users of
 * behaviors.tsv in file order, each row's History as clicks, then the row as an Impression (the
 * shown items news.tsv has) and its clicked items (label 1) as clicks naming the impression.
 *
 * <p>MIND repeats a user's (fixed, pre-period) History on each of the user's rows, so it is
 * replayed once, on the user's first row; repeats inside a History are real and kept. MIND has no
 * times for History clicks; they get the row's time minus one second per position.
 */
public final class MindReplay {

    private static final DateTimeFormatter ROW_TIME = DateTimeFormatter.ofPattern("M/d/yyyy h:mm:ss a", Locale.US);
    private static final Instant CATALOGUE_TIME = Instant.parse("2019-11-09T00:00:00Z");

    /** Every item a replayed user saw or clicked, by id (the catalogue the demo publishes). */
    public final Map<String, ContentItem> items = new LinkedHashMap<>();
    /** Clicks in publishing order. */
    public final List<ClickEvent> clicks = new ArrayList<>();
    /** One per behaviors row of a replayed user, in file order (for the archive; the job does not read them). */
    public final List<Impression> impressions = new ArrayList<>();
    /** Users in first-appearance order, with how many clicks each gets (= final history_version). */
    public final Map<String, Integer> clicksPerUser = new LinkedHashMap<>();
    final Map<String, Set<String>> clickedByUser = new HashMap<>();
    /** Clicks not replayed because news.tsv lacks the item (they would only wait and dead-letter). */
    int skippedUnknownItems;

    private MindReplay() {
    }

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
                    replay.click(news, user, history[i], user + "-h" + i,
                            rowTime.minusSeconds(history.length - i), null);
                }
            }
            List<String> shownItems = new ArrayList<>();
            for (String shown : f[4].isBlank() ? new String[0] : f[4].trim().split(" ")) {
                int dash = shown.lastIndexOf('-');
                String item = shown.substring(0, dash);
                if (replay.addItem(news, item)) {
                    shownItems.add(item);
                }
                if (shown.endsWith("-1")) {
                    replay.click(news, user, item, impressionId + "-" + item, rowTime, impressionId);
                }
            }
            replay.impressions.add(Impression.newBuilder().setImpressionId(impressionId).setUserId(user)
                    .setItemIds(shownItems).setEventTime(rowTime).build());
        }
        replay.clicksPerUser.values().removeIf(n -> n == 0);
        return replay;
    }

    private void click(Map<String, String[]> news, String user, String item, String eventId, Instant time,
            String impressionId) {
        if (!addItem(news, item)) {
            skippedUnknownItems++;
            return;
        }
        clicks.add(ClickEvent.newBuilder().setEventId(eventId).setUserId(user).setItemId(item)
                .setEventTime(time).setAction(Action.CLICK).setRating(null).setImpressionId(impressionId).build());
        clicksPerUser.merge(user, 1, Integer::sum);
        clickedByUser.computeIfAbsent(user, u -> new LinkedHashSet<>()).add(item);
    }

    private boolean addItem(Map<String, String[]> news, String id) {
        String[] n = news.get(id);
        if (n == null) {
            return false;
        }
        items.computeIfAbsent(id, k -> ContentItem.newBuilder()
                .setItemId(id).setDomain(Domain.news).setTitle(n[3])
                .setAbstract$(n[4].isEmpty() ? null : n[4]).setCategory(n[1].isEmpty() ? null : n[1])
                .setSubcategory(n[2].isEmpty() ? null : n[2])
                .setUpdatedAt(CATALOGUE_TIME).setDeleted(false).build());
        return true;
    }

    private static List<String> read(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toAbsolutePath() + " (the MIND sample ships in data/mind;"
                    + " run from the repository root or pass --data DIR)");
        }
    }
}
