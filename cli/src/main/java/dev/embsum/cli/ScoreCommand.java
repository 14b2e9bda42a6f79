package dev.embsum.cli;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.ContentItem;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.cli.internal.CliFailure;
import dev.embsum.cli.internal.KafkaOptions;
import dev.embsum.cli.internal.TopicReader;
import dev.embsum.ranker.Recommender;
import dev.embsum.serde.MalformedRecordException;
import dev.embsum.serde.SingleObjectCodec;
import dev.embsum.serde.Topic;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Ranks items for one user the way a downstream ranker would: from the published embeddings only
 * (the newest UserEmbedding of the user, the newest ContentEmbedding of every item; compacted-topic
 * semantics), scored with the EmbSum poly-attention score ({@code PolyScorer}).
 */
@Command(
        name = "score",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Top-k items for a user by the EmbSum score of the published embeddings.",
            "Reads the user's newest UserEmbedding and the newest ContentEmbedding of every item (last value"
                    + " per key wins, tombstones delete) and scores them with PolyScorer. Embeddings of"
                    + " different model versions are never mixed: items of another model than the user's are"
                    + " refused (or skipped with --skip-other-models)."
        },
        footer = {
            "",
            "Examples:",
            "  embsum score --user U13740",
            "  embsum score --user U13740 --k 20 --titles --include-history"
        })
final class ScoreCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
            names = "--user",
            paramLabel = "USER_ID",
            required = true,
            description = "the user to rank items for")
    String user;

    @Option(
            names = {"-k", "--k"},
            paramLabel = "K",
            defaultValue = "10",
            description = "how many items (default: ${DEFAULT-VALUE})")
    int k;

    @Option(
            names = "--include-history",
            description =
                    "also rank the items in the user's history (default: left out, as a ranker would)")
    boolean includeHistory;

    @Option(
            names = "--skip-other-models",
            description =
                    "score only the items embedded by the user's model version instead of refusing a catalogue"
                            + " that mixes versions (during a model rollout)")
    boolean skipOtherModels;

    @Option(
            names = "--titles",
            description = "show titles, read from the content topic (slower: reads it all)")
    boolean titles;

    @Option(
            names = "--topic-user-embeddings",
            paramLabel = "NAME",
            description = "default: ${DEFAULT-VALUE}")
    String topicUserEmbeddings = Topic.USER_EMBEDDINGS.defaultName();

    @Option(
            names = "--topic-content-embeddings",
            paramLabel = "NAME",
            description = "default: ${DEFAULT-VALUE}")
    String topicContentEmbeddings = Topic.CONTENT_EMBEDDINGS.defaultName();

    @Option(
            names = "--topic-content",
            paramLabel = "NAME",
            description = "for --titles (default: ${DEFAULT-VALUE})")
    String topicContent = Topic.CONTENT.defaultName();

    @Mixin KafkaOptions kafka;

    @Override
    public Integer call() {
        if (k < 1) {
            throw new ParameterException(spec.commandLine(), "--k must be at least 1, got " + k);
        }
        PrintWriter out = spec.commandLine().getOut();
        UserEmbedding u;
        List<ContentEmbedding> items;
        Map<String, ConsumerRecord<byte[], byte[]>> contentRecords = Map.of();
        try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer()) {
            u = newestUserEmbedding(consumer);
            items =
                    decodeAll(
                            TopicReader.latestByKey(
                                    consumer, topicContentEmbeddings, "--topic-content-embeddings"),
                            SingleObjectCodec.forClass(ContentEmbedding.class));
            if (titles) {
                contentRecords = TopicReader.latestByKey(consumer, topicContent, "--topic-content");
            }
        }
        List<ContentEmbedding> candidates = sameModel(u, items);
        Set<String> exclude = includeHistory ? Set.of() : new HashSet<>(u.getHistoryItemIds());
        List<Recommender.Scored> top = Recommender.top(u, candidates, exclude, k);
        long excluded = candidates.stream().filter(c -> exclude.contains(c.getItemId())).count();

        out.printf(
                Locale.ROOT,
                "user %s  model %s  history_version %d  (%d history items)%n",
                u.getUserId(),
                u.getModelVersion(),
                u.getHistoryVersion(),
                u.getHistoryItemIds().size());
        out.printf(
                Locale.ROOT,
                "top %d of %d items of model %s%s:%n",
                top.size(),
                candidates.size() - excluded,
                u.getModelVersion(),
                excluded > 0 ? " (" + excluded + " in the user's history left out)" : "");
        SingleObjectCodec<ContentItem> contentCodec = SingleObjectCodec.forClass(ContentItem.class);
        int rank = 1;
        for (Recommender.Scored s : top) {
            out.printf(
                    Locale.ROOT,
                    "%4d. %12.6f  %s%s%n",
                    rank++,
                    s.score(),
                    s.itemId(),
                    titles ? title(contentRecords.get(s.itemId()), contentCodec) : "");
        }
        out.flush();
        return 0;
    }

    private UserEmbedding newestUserEmbedding(KafkaConsumer<byte[], byte[]> consumer) {
        Map<String, ConsumerRecord<byte[], byte[]>> users =
                TopicReader.latestByKey(consumer, topicUserEmbeddings, "--topic-user-embeddings");
        ConsumerRecord<byte[], byte[]> r = users.get(user);
        if (r == null) {
            throw new CliFailure(
                    "no embedding of user '"
                            + user
                            + "' on '"
                            + topicUserEmbeddings
                            + "' ("
                            + users.size()
                            + " users have one): has the user clicked anything the job accepted? ("
                            + "embsum tail "
                            + topicUserEmbeddings
                            + " --from-beginning --key "
                            + user
                            + ")");
        }
        return decode(r, SingleObjectCodec.forClass(UserEmbedding.class));
    }

    /**
     * The catalogue of the user's model version; other versions are refused unless skipped on
     * request.
     */
    private List<ContentEmbedding> sameModel(UserEmbedding u, List<ContentEmbedding> items) {
        Map<String, Integer> byVersion = new TreeMap<>();
        List<ContentEmbedding> same = new ArrayList<>();
        for (ContentEmbedding c : items) {
            byVersion.merge(c.getModelVersion(), 1, Integer::sum);
            if (c.getModelVersion().equals(u.getModelVersion())) {
                same.add(c);
            }
        }
        if (items.isEmpty()) {
            throw new CliFailure(
                    "no content embeddings on '"
                            + topicContentEmbeddings
                            + "': nothing to rank"
                            + " (is the job running, and was content published? embsum produce --only content ...)");
        }
        if (same.size() < items.size() && !skipOtherModels) {
            throw new CliFailure(
                    "user "
                            + u.getUserId()
                            + " is embedded by model "
                            + u.getModelVersion()
                            + " but the catalogue on '"
                            + topicContentEmbeddings
                            + "' mixes model versions "
                            + byVersion
                            + ". Scores of embeddings from different models mean nothing. Wait until the job has"
                            + " re-embedded the catalogue, or pass --skip-other-models to rank only the "
                            + same.size()
                            + " items of model "
                            + u.getModelVersion()
                            + ".");
        }
        if (same.isEmpty()) {
            throw new CliFailure(
                    "no item on '"
                            + topicContentEmbeddings
                            + "' is embedded by model "
                            + u.getModelVersion()
                            + " (the user's); the catalogue has "
                            + byVersion);
        }
        for (ContentEmbedding c : same) {
            if (c.getD() != u.getD()) {
                throw new CliFailure(
                        "item "
                                + c.getItemId()
                                + " has d="
                                + c.getD()
                                + " but user "
                                + u.getUserId()
                                + " has d="
                                + u.getD()
                                + " under the same model version "
                                + u.getModelVersion()
                                + ": the records are inconsistent");
            }
        }
        return same;
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> List<T> decodeAll(
            Map<String, ConsumerRecord<byte[], byte[]>> records, SingleObjectCodec<T> codec) {
        List<T> out = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> r : records.values()) {
            out.add(decode(r, codec));
        }
        return out;
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> T decode(
            ConsumerRecord<byte[], byte[]> r, SingleObjectCodec<T> codec) {
        try {
            return codec.decode(r.value());
        } catch (MalformedRecordException e) {
            throw new CliFailure(
                    r.topic()
                            + "["
                            + r.partition()
                            + "]@"
                            + r.offset()
                            + " is no "
                            + codec.recordClass().getSimpleName()
                            + ": "
                            + e.getMessage()
                            + " (check the topic options; embsum tail shows what is there)",
                    e);
        }
    }

    private static String title(
            ConsumerRecord<byte[], byte[]> r, SingleObjectCodec<ContentItem> codec) {
        if (r == null) {
            return "  (not on the content topic)";
        }
        try {
            ContentItem item = codec.decode(r.value());
            return "  "
                    + item.getTitle()
                    + (item.getCategory() == null ? "" : "  [" + item.getCategory() + "]");
        } catch (MalformedRecordException e) {
            return "  (content record does not decode)";
        }
    }
}
