package dev.embsum.demo;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.ranker.Recommender;
import dev.embsum.replay.MindReplay;
import dev.embsum.replay.OutputWatcher;
import java.io.PrintStream;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** What the demo prints when every user is current: a few users' recommendations. */
final class DemoReport {

    private DemoReport() {}

    /** How many of the replay's users have an embedding at their final history_version. */
    static int currentUsers(Map<String, UserEmbedding> embeddings, MindReplay replay) {
        int n = 0;
        for (Map.Entry<String, Integer> u : replay.clicksPerUser.entrySet()) {
            UserEmbedding e = embeddings.get(u.getKey());
            if (e != null && e.getHistoryVersion() >= u.getValue()) {
                n++;
            }
        }
        return n;
    }

    /**
     * The first {@code show} users: newest clicks, summary, and the top 5 news items by the EmbSum
     * score, ranked as a ranker would ({@link Recommender}).
     */
    static void print(PrintStream out, OutputWatcher watcher, MindReplay replay, int show) {
        Map<String, UserEmbedding> users = watcher.users();
        Collection<ContentEmbedding> catalogue = watcher.contents().values();
        List<String> shown = replay.clicksPerUser.keySet().stream().limit(show).toList();
        out.printf(
                "%nRecommendations for %d of %d users (top 5 of %d news items by the EmbSum score,"
                        + " clicked items skipped)%n",
                shown.size(), users.size(), catalogue.size());
        for (String userId : shown) {
            UserEmbedding e = users.get(userId);
            out.printf(
                    "%nuser %s   history_version %d   model %s%n",
                    userId, e.getHistoryVersion(), e.getModelVersion());
            List<String> history = e.getHistoryItemIds();
            out.println("  newest clicks:");
            for (int i = history.size() - 1; i >= Math.max(0, history.size() - 3); i--) {
                out.println("    - " + title(replay, history.get(i)));
            }
            out.println("  summary: " + abbreviate(e.getSummary()));
            out.println("  top 5:");
            int rank = 1;
            for (Recommender.Scored s :
                    Recommender.top(e, catalogue, replay.clickedBy(userId), 5)) {
                out.printf("    %d. %-8.4f %s%n", rank++, s.score(), title(replay, s.itemId()));
            }
        }
        out.println();
        out.flush();
    }

    static String title(MindReplay replay, String itemId) {
        ContentItem item = replay.items.get(itemId);
        return item == null
                ? itemId
                : item.getTitle() + "  [" + item.getCategory() + ", " + itemId + "]";
    }

    /**
     * The demo model's summaries repeat one token up to its cap (a known property of that model).
     */
    private static String abbreviate(String summary) {
        if (summary == null) {
            return "(none)";
        }
        String s = summary.strip();
        return s.length() <= 120
                ? "\"" + s + "\""
                : "\"" + s.substring(0, 120) + "...\" (" + s.length() + " characters)";
    }
}
