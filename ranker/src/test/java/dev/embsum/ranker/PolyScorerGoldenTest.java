package dev.embsum.ranker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The scorer reproduces {@code golden/scores.json} of an exported bundle (the PyTorch model's UPE
 * of 8 users against the CPE of 32 items, scored by the model's {@code score_all}), from the golden
 * {@code upe}, {@code cpe} and {@code cpe_key}. See {@link #goldenDir()} for which bundle; never
 * skipped.
 */
class PolyScorerGoldenTest {

    /**
     * Floats are read as BigDecimal and parsed by {@link Float#parseFloat}: the golden files write
     * each float32 as the shortest decimal that reads back to it, and going through double would
     * round twice.
     */
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private static List<String> userIds;
    private static List<String> itemIds;
    private static float[][] expected;
    private static List<PolyEmbedding> users;
    private static List<ContentVectors> items;

    /** The golden inputs as matrices, for the reference scorer. */
    private static final Map<String, float[][]> upe = new HashMap<>();

    private static final Map<String, float[][][]> cpeAndKey = new HashMap<>();

    @BeforeAll
    static void load() throws IOException {
        Path golden = goldenDir();
        JsonNode scores = JSON.readTree(golden.resolve("scores.json").toFile());
        userIds = strings(scores.path("user_ids"));
        itemIds = strings(scores.path("item_ids"));
        expected = matrix(scores.path("scores"));

        for (JsonNode user : JSON.readTree(golden.resolve("users.json").toFile()).path("users")) {
            upe.put(user.path("user_id").asText(), matrix(user.path("upe")));
        }
        for (JsonNode content :
                JSON.readTree(golden.resolve("contents.json").toFile()).path("contents")) {
            cpeAndKey.put(
                    content.path("item_id").asText(),
                    new float[][][] {matrix(content.path("cpe")), matrix(content.path("cpe_key"))});
        }
        users = new ArrayList<>();
        for (String id : userIds) {
            users.add(ReferenceScorer.embedding(upe.get(id)));
        }
        items = new ArrayList<>();
        for (String id : itemIds) {
            float[][][] vectors = cpeAndKey.get(id);
            items.add(
                    new ContentVectors(
                            ReferenceScorer.embedding(vectors[0]),
                            ReferenceScorer.embedding(vectors[1])));
        }
    }

    @Test
    void goldenCoversEveryUserAndItem() {
        assertThat(userIds).hasSize(8).allMatch(upe::containsKey);
        assertThat(itemIds).hasSize(32).allMatch(cpeAndKey::containsKey);
        assertThat(expected).hasDimensions(8, 32);
    }

    @ParameterizedTest
    @EnumSource(PolyScorer.Kernel.class)
    void everyScoreMatchesTheGolden(PolyScorer.Kernel kernel) {
        List<String> mismatches = new ArrayList<>();
        for (int u = 0; u < users.size(); u++) {
            for (int i = 0; i < items.size(); i++) {
                float score = PolyScorer.score(users.get(u), items.get(i), kernel);
                double golden = expected[u][i];
                if (!(Math.abs(score - golden) <= ReferenceScorer.tolerance(golden))) {
                    mismatches.add(
                            userIds.get(u)
                                    + " x "
                                    + itemIds.get(i)
                                    + ": "
                                    + score
                                    + " vs golden "
                                    + golden);
                }
            }
        }
        assertThat(mismatches)
                .as("%s kernel: scores outside 1e-5 + 1e-6 * |golden|", kernel)
                .isEmpty();
    }

    @Test
    void scoreAllAndTopKAgreeWithPairScores() {
        for (PolyEmbedding user : users) {
            float[] all = PolyScorer.scoreAll(user, items);
            for (int i = 0; i < items.size(); i++) {
                assertThat(all[i]).isEqualTo(PolyScorer.score(user, items.get(i)));
            }
            assertThat(PolyScorer.topK(user, items, 5))
                    .containsExactlyElementsOf(ReferenceScorer.rankBySort(all, 5));
        }
    }

    /** Validates the test's own oracle, which the property tests rely on. */
    @Test
    void referenceScorerMatchesTheGolden() {
        for (int u = 0; u < userIds.size(); u++) {
            for (int i = 0; i < itemIds.size(); i++) {
                float[][][] item = cpeAndKey.get(itemIds.get(i));
                double reference = ReferenceScorer.score(upe.get(userIds.get(u)), item[0], item[1]);
                assertThat(reference)
                        .as("%s x %s", userIds.get(u), itemIds.get(i))
                        .isCloseTo(
                                expected[u][i], offset(ReferenceScorer.tolerance(expected[u][i])));
            }
        }
    }

    /**
     * The golden files of the bundle under test: {@code -Dembsum.test.bundle}, else the committed
     * demo bundle {@code <embsum.root>/models/demo}. The rule of inference-runtime's {@code
     * dev.embsum.runtime.TestBundle}, read here directly: that class comes in inference-runtime's
     * test-jar, which would put ONNX Runtime and DJL on the classpath of the one module that
     * promises rankers to run without them. A missing bundle fails the build.
     */
    private static Path goldenDir() {
        String override = System.getProperty("embsum.test.bundle", "");
        Path bundle =
                override.isBlank()
                        ? Path.of(System.getProperty("embsum.root", "."), "models/demo")
                        : Path.of(override);
        assertThat(bundle.resolve("manifest.json"))
                .as(
                        "the model bundle at %s (models/demo is committed; rebuild it with"
                                + " scripts/build-demo-bundle.sh, or point -Dembsum.test.bundle at"
                                + " one)",
                        bundle.toAbsolutePath())
                .isRegularFile();
        return bundle.resolve("golden");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(node -> out.add(node.asText()));
        return out;
    }

    private static float[][] matrix(JsonNode rows) {
        float[][] out = new float[rows.size()][];
        for (int r = 0; r < out.length; r++) {
            JsonNode row = rows.get(r);
            out[r] = new float[row.size()];
            for (int c = 0; c < out[r].length; c++) {
                out[r][c] = Float.parseFloat(row.get(c).decimalValue().toString());
            }
        }
        return out;
    }
}
