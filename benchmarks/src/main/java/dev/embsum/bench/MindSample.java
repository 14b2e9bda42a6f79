package dev.embsum.bench;

import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.text.EngagementHistory;
import dev.embsum.runtime.text.ItemFormatter;
import dev.embsum.runtime.text.ItemText;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The committed MIND sample (data/mind) as the benchmarks read it; repository root = {@code
 * embsum.root}.
 */
final class MindSample {

    private MindSample() {}

    static Path root() {
        return Paths.get(System.getProperty("embsum.root", "."));
    }

    /** The bundle to benchmark: {@code -Dembsum.bench.bundle}, default the shipped demo bundle. */
    static Path bundle() {
        String override = System.getProperty("embsum.bench.bundle");
        return override != null ? Paths.get(override) : root().resolve("models/demo");
    }

    /**
     * news.tsv (TAB separated, no header): NewsID, Category, SubCategory, Title, Abstract, URL,
     * TitleEntities, AbstractEntities; by item id, in file order.
     */
    static Map<String, ItemText> news() throws IOException {
        Path file = root().resolve("data/mind/news.tsv");
        Map<String, ItemText> out = new java.util.LinkedHashMap<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = reader.readLine()) != null; ) {
                String[] cols = line.split("\t", -1);
                if (cols.length != 8) {
                    throw new IOException(file + ": expected 8 columns, got " + cols.length);
                }
                out.put(cols[0], ItemText.news(cols[0], cols[3], cols[4], cols[1]));
            }
        }
        return out;
    }

    /**
     * The first {@code users} users of behaviors.tsv (ImpressionID, UserID, Time, History,
     * Impressions) with a non-empty history, replayed click by click with the runtime's contract.
     */
    static List<EngagementHistory> histories(EmbSumRuntime runtime, int users) throws IOException {
        Map<String, ItemText> news = news();
        ItemFormatter formatter = new ItemFormatter(runtime.tokenizer(), runtime.contract());
        Map<String, int[]> tokens = new HashMap<>();
        List<EngagementHistory> out = new ArrayList<>(users);
        Path file = root().resolve("data/mind/behaviors.tsv");
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; out.size() < users && (line = reader.readLine()) != null; ) {
                EngagementHistory h = EngagementHistory.empty(runtime.contract());
                long time = 0;
                for (String item : line.split("\t", -1)[3].split(" ")) {
                    ItemText text = news.get(item);
                    if (text != null) {
                        h =
                                h.add(
                                        item,
                                        time++,
                                        tokens.computeIfAbsent(
                                                item, id -> formatter.itemTokens(text)));
                    }
                }
                if (!h.isEmpty()) {
                    out.add(h);
                }
            }
        }
        return out;
    }
}
