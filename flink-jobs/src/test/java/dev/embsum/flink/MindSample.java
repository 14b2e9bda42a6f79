package dev.embsum.flink;

import dev.embsum.avro.Action;
import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.Domain;
import dev.embsum.avro.state.RawRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Real MIND rows from data/mind: each chosen user's History column replayed as CLICK events, and
 * the news items they name as ContentItems.
 */
public final class MindSample {

    public final Map<String, List<ClickEvent>> clicksByUser = new LinkedHashMap<>();
    public final Map<String, ContentItem> items = new LinkedHashMap<>();

    private MindSample() {}

    /**
     * Every user's clicks, round-robin across users (each user's order kept), as a stream would mix
     * them.
     */
    public List<ClickEvent> roundRobinClicks() {
        return roundRobin(clicksByUser);
    }

    /**
     * {@link #roundRobinClicks} as the clicks topic holds them ({@link JobFixture#clickRecords}).
     */
    public List<RawRecord> clickRecords() {
        return JobFixture.clickRecords(roundRobinClicks());
    }

    /** The items as the content topic holds them ({@link JobFixture#contentRecords}). */
    public List<RawRecord> contentRecords() {
        return JobFixture.contentRecords(items.values());
    }

    /**
     * Users' clicks interleaved one at a time, each user's order kept (users active side by side).
     */
    public static List<ClickEvent> roundRobin(Map<String, List<ClickEvent>> byUser) {
        List<ClickEvent> out = new ArrayList<>();
        for (int i = 0; ; i++) {
            boolean any = false;
            for (List<ClickEvent> clicks : byUser.values()) {
                if (i < clicks.size()) {
                    out.add(clicks.get(i));
                    any = true;
                }
            }
            if (!any) {
                return out;
            }
        }
    }

    /** {@code users} users whose whole history is in news.tsv, with 2..maxHistory clicks. */
    public static MindSample load(int users, int maxHistory) throws IOException {
        Path dir = Paths.get(System.getProperty("embsum.root", "..")).resolve("data/mind");
        Map<String, String[]> news = new HashMap<>();
        for (String line : Files.readAllLines(dir.resolve("news.tsv"), StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            news.put(f[0], f);
        }
        MindSample sample = new MindSample();
        long t0 = Instant.parse("2019-11-09T00:00:00Z").toEpochMilli();
        for (String line :
                Files.readAllLines(dir.resolve("behaviors.tsv"), StandardCharsets.UTF_8)) {
            if (sample.clicksByUser.size() == users) {
                break;
            }
            String[] f = line.split("\t", -1);
            String user = f[1];
            String[] history = f[3].isBlank() ? new String[0] : f[3].trim().split(" ");
            if (sample.clicksByUser.containsKey(user)
                    || history.length < 2
                    || history.length > maxHistory
                    || !java.util.Arrays.stream(history).allMatch(news::containsKey)) {
                continue;
            }
            List<ClickEvent> clicks = new ArrayList<>();
            for (int i = 0; i < history.length; i++) {
                clicks.add(
                        ClickEvent.newBuilder()
                                .setEventId(user + "-" + i)
                                .setUserId(user)
                                .setItemId(history[i])
                                .setEventTime(Instant.ofEpochMilli(t0 + i * 1000L))
                                .setAction(Action.CLICK)
                                .setRating(null)
                                .setImpressionId(null)
                                .build());
            }
            sample.clicksByUser.put(user, clicks);
            for (String id : new LinkedHashSet<>(List.of(history))) {
                String[] n = news.get(id);
                sample.items.put(
                        id,
                        ContentItem.newBuilder()
                                .setItemId(id)
                                .setDomain(Domain.news)
                                .setTitle(n[3])
                                .setAbstract$(n[4].isEmpty() ? null : n[4])
                                .setCategory(n[1])
                                .setSubcategory(n[2].isEmpty() ? null : n[2])
                                .setUpdatedAt(Instant.ofEpochMilli(t0))
                                .setDeleted(false)
                                .build());
            }
        }
        return sample;
    }
}
