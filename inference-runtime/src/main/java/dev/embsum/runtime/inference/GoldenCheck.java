package dev.embsum.runtime.inference;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.embsum.runtime.bundle.ModelBundle;
import dev.embsum.runtime.text.EngagementHistory;
import dev.embsum.runtime.text.ItemFormatter;
import dev.embsum.runtime.text.ItemText;
import dev.embsum.runtime.text.Session;
import dev.embsum.runtime.text.SessionGrouper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a bundle's {@code golden/} cases through this runtime end to end, from raw news text to UPE,
 * CPE and scores (docs/model-bundle.md section 6), and fails on the first difference: token ids,
 * sessions and summary ids exactly, floats within the golden tolerance. It is the warm-up gate of a
 * model hot-swap (a bundle that this runtime cannot reproduce never serves) and the core of the
 * Java parity tests.
 */
public final class GoldenCheck {

    /** Largest absolute differences seen, per output, and the wall time. */
    public record Report(
            int users,
            int items,
            double itemVectors,
            double globalVector,
            double upe,
            double cpe,
            double cpeKey,
            long millis) {}

    private final EmbSumRuntime runtime;
    private final ModelBundle bundle;
    private final ObjectMapper json = new ObjectMapper();
    private double abs;
    private double rel;

    public GoldenCheck(EmbSumRuntime runtime) {
        this.runtime = runtime;
        this.bundle = runtime.bundle();
    }

    /** Checks every golden user (one micro-batch) and item. */
    public Report run() throws IOException, OrtException, GoldenMismatchException {
        int bundleCap = bundle.manifest().maxSummaryTokens();
        if (runtime.summaryCap() != bundleCap) {
            throw new IllegalStateException(
                    "the golden check needs the bundle's summary cap "
                            + bundleCap
                            + ", the runtime uses "
                            + runtime.summaryCap());
        }
        long start = System.nanoTime();
        abs = bundle.manifest().goldenAbsTolerance();
        rel = bundle.manifest().goldenRelTolerance();
        Map<String, int[]> itemTokens = checkTexts(read("golden/texts.json"));

        JsonNode users = read("golden/users.json").path("users");
        List<List<Session>> batch = new ArrayList<>();
        for (JsonNode user : users) {
            batch.add(checkSessions(user, itemTokens));
        }
        List<UserRefresh> refreshed = runtime.refresh(batch);
        MaxDiff itemVectors = new MaxDiff();
        MaxDiff globalVector = new MaxDiff();
        MaxDiff upe = new MaxDiff();
        for (int u = 0; u < users.size(); u++) {
            JsonNode user = users.get(u);
            UserRefresh r = refreshed.get(u);
            String who = "golden/users.json user " + user.path("user_id").asText();
            int[] summary = ints(user.path("summary_ids"));
            if (!Arrays.equals(r.summaryIds(), summary)) {
                throw new GoldenMismatchException(
                        who
                                + " summary_ids: runtime "
                                + Arrays.toString(r.summaryIds())
                                + " golden "
                                + Arrays.toString(summary)
                                + " (min top-2 logit margin "
                                + user.path("min_top2_logit_margin").asDouble()
                                + ")");
            }
            itemVectors.add(who, "item_vectors", r.itemVectors(), user);
            globalVector.add(who, "global_vec", r.globalVector(), user);
            upe.add(who, "upe", r.upe(), user);
        }

        JsonNode contents = read("golden/contents.json").path("contents");
        List<int[]> rows = new ArrayList<>();
        contents.forEach(c -> rows.add(ints(c.path("content_tokens"))));
        List<EncodedContent> encoded = runtime.embedContents(rows);
        MaxDiff cpe = new MaxDiff();
        MaxDiff cpeKey = new MaxDiff();
        for (int i = 0; i < contents.size(); i++) {
            JsonNode content = contents.get(i);
            String what = "golden/contents.json item " + content.path("item_id").asText();
            cpe.add(what, "cpe", encoded.get(i).cpe(), content);
            cpeKey.add(what, "cpe_key", encoded.get(i).cpeKey(), content);
        }
        return new Report(
                users.size(),
                contents.size(),
                itemVectors.max,
                globalVector.max,
                upe.max,
                cpe.max,
                cpeKey.max,
                (System.nanoTime() - start) / 1_000_000);
    }

    /** The largest |runtime - golden| of one output over the golden cases checked so far. */
    private final class MaxDiff {
        private double max;

        /** Compares {@code got} with the golden field {@code key} of {@code golden}. */
        void add(String what, String key, float[] got, JsonNode golden)
                throws GoldenMismatchException {
            max = Math.max(max, compare(what + " " + key, got, golden.path(key)));
        }
    }

    /** Item and content tokens of every golden text, exactly. */
    private Map<String, int[]> checkTexts(JsonNode texts) throws GoldenMismatchException {
        ItemFormatter formatter = new ItemFormatter(runtime.tokenizer(), runtime.contract());
        Map<String, int[]> tokens = new HashMap<>();
        for (JsonNode item : texts.path("items")) {
            String id = item.path("item_id").asText();
            ItemText text =
                    ItemText.news(
                            id,
                            item.path("title").asText(),
                            item.path("abstract").asText(),
                            item.path("category").asText());
            int[] got = formatter.itemTokens(text);
            expectIds(
                    "golden/texts.json item " + id + " item_tokens", got, item.path("item_tokens"));
            expectIds(
                    "golden/texts.json item " + id + " content_tokens",
                    formatter.contentTokens(got),
                    item.path("content_tokens"));
            tokens.put(id, got);
        }
        return tokens;
    }

    /** Replays the engagements; the sessions must equal the golden ones exactly. */
    private List<Session> checkSessions(JsonNode user, Map<String, int[]> itemTokens)
            throws GoldenMismatchException {
        String who = "golden/users.json user " + user.path("user_id").asText();
        EngagementHistory history = EngagementHistory.empty(runtime.contract());
        long time = 0;
        for (JsonNode e : user.path("engagements")) {
            // texts.json holds only the items that stay in the window; an older engagement
            // still takes a seq, and a stand-in [SOS] token would show up in the session check
            // below if it were ever used
            int[] tokens =
                    itemTokens.getOrDefault(e.asText(), new int[] {runtime.contract().sosId()});
            history = history.add(e.asText(), time++, tokens);
        }
        List<Session> sessions = new SessionGrouper(runtime.contract()).sessions(history);
        JsonNode expected = user.path("sessions");
        if (sessions.size() != expected.size()) {
            throw new GoldenMismatchException(
                    who + ": " + sessions.size() + " sessions, golden " + expected.size());
        }
        for (int i = 0; i < sessions.size(); i++) {
            Session s = sessions.get(i);
            JsonNode g = expected.get(i);
            if (s.sessionId() != g.path("session_id").asLong()) {
                throw new GoldenMismatchException(
                        who
                                + " session "
                                + i
                                + ": id "
                                + s.sessionId()
                                + ", golden "
                                + g.path("session_id").asLong());
            }
            expectIds(who + " session " + s.sessionId() + " tokens", s.tokens(), g.path("tokens"));
            expectIds(
                    who + " session " + s.sessionId() + " sos_positions",
                    s.sosPositions(),
                    g.path("sos_positions"));
        }
        return sessions;
    }

    private static void expectIds(String what, int[] got, JsonNode expected)
            throws GoldenMismatchException {
        int[] want = ints(expected);
        if (!Arrays.equals(got, want)) {
            throw new GoldenMismatchException(
                    what
                            + ": runtime "
                            + Arrays.toString(got)
                            + " golden "
                            + Arrays.toString(want));
        }
    }

    /** Max |got - golden| over a (nested) float array; throws past the tolerance. */
    private double compare(String what, float[] got, JsonNode golden)
            throws GoldenMismatchException {
        List<Double> want = new ArrayList<>(got.length);
        flatten(golden, want);
        if (want.size() != got.length) {
            throw new GoldenMismatchException(
                    what + ": runtime has " + got.length + " values, golden " + want.size());
        }
        double max = 0;
        for (int i = 0; i < got.length; i++) {
            double w = want.get(i);
            double diff = Math.abs(got[i] - w);
            if (!(diff <= abs + rel * Math.abs(w))) {
                throw new GoldenMismatchException(
                        what
                                + "["
                                + i
                                + "]: runtime "
                                + got[i]
                                + " golden "
                                + w
                                + " (|diff| "
                                + diff
                                + " > "
                                + abs
                                + " + "
                                + rel
                                + "·|golden|)");
            }
            max = Math.max(max, diff);
        }
        return max;
    }

    private static void flatten(JsonNode node, List<Double> out) {
        if (node.isArray()) {
            node.forEach(n -> flatten(n, out));
        } else {
            out.add(node.asDouble());
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private JsonNode read(String file) throws IOException {
        return json.readTree(bundle.resolve(file).toFile());
    }
}
