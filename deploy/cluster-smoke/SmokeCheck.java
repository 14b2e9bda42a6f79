import dev.embsum.avro.UserEmbedding;
import dev.embsum.replay.MindReplay;
import dev.embsum.serde.SingleObjectCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The checks of scripts/cluster-smoke.sh that need Kafka or the MIND replay, in one small program
 * compiled by the script against the CLI's classpath (the same classes `scripts/embsum` runs):
 *
 * <pre>
 *   topics BOOTSTRAP TOPICS_CONF TIMEOUT_S     create deploy/kafka/topics.conf's topics (RF 1) with the admin client
 *   derive MIND_DIR USERS ROUND OUT_DIR         MIND rows of the first USERS users again, as new clicks
 *   wait BOOTSTRAP USERS TIMEOUT_S DIR[,DIR..]  until every user's newest user-embeddings record is current
 * </pre>
 *
 * "Current" = the user's newest record on {@code user-embeddings} (last by offset, what a reader of
 * the compacted topic keeps) has history_version = the number of clicks `embsum produce --mind`
 * published for that user from all DIRs ({@link MindReplay#clicksPerUser()}, the replay produce
 * itself uses). Machine-readable lines start with {@code smoke-check:}.
 */
public final class SmokeCheck {

    private static final DateTimeFormatter ROW_TIME = DateTimeFormatter.ofPattern("M/d/yyyy h:mm:ss a", Locale.US);

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        int status = switch (args[0]) {
            case "topics" -> args.length == 4 ? topics(args[1], Path.of(args[2]), Integer.parseInt(args[3])) : usage();
            case "derive" -> args.length == 5
                    ? derive(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Path.of(args[4]))
                    : usage();
            case "wait" -> args.length == 5
                    ? await(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), args[4])
                    : usage();
            default -> usage();
        };
        System.exit(status);
    }

    private static int usage() {
        System.err.println("usage: SmokeCheck topics BOOTSTRAP TOPICS_CONF TIMEOUT_S | derive MIND_DIR USERS ROUND OUT_DIR"
                + " | wait BOOTSTRAP USERS TIMEOUT_S DIR[,DIR...]");
        System.exit(2);
        return 2;
    }

    /** The topics of topics.conf (name, partitions, comma-separated configs), replication factor 1. */
    private static int topics(String bootstrap, Path topicsConf, int timeoutS) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (String line : Files.readAllLines(topicsConf, StandardCharsets.UTF_8)) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] f = t.split("\\s+");
            Map<String, String> configs = new LinkedHashMap<>();
            for (String kv : f[2].split(",")) {
                String[] p = kv.split("=", 2);
                configs.put(p[0], p[1]);
            }
            topics.add(new NewTopic(f[0], Integer.parseInt(f[1]), (short) 1).configs(configs));
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutS).toNanos();
        Exception last = null;
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                try {
                    admin.describeCluster().nodes().get();
                    Set<String> have = admin.listTopics().names().get();
                    List<NewTopic> missing = topics.stream().filter(n -> !have.contains(n.name())).toList();
                    if (!missing.isEmpty()) {
                        admin.createTopics(missing).all().get();
                    }
                    System.out.println("smoke-check: topics " + topics.stream()
                            .map(n -> n.name() + "(" + n.numPartitions() + ")").collect(Collectors.joining(" ")));
                    return 0;
                } catch (Exception e) {
                    last = e;
                    Thread.sleep(500);
                }
            }
        }
        System.out.println("smoke-check: FAILED: could not create the topics at " + bootstrap + " within " + timeoutS
                + " s: " + last);
        return 1;
    }

    /**
     * behaviors.tsv rows of the first {@code users} users of MIND_DIR (the users `produce --mind
     * --users N` replays), with impression ids prefixed {@code r<round>-} and times {@code round - 1}
     * days later, and no History (already replayed): every clicked impression item becomes a click with
     * a new event_id ({@code r<round>-<impression>-<item>}), so the job counts them as new engagements.
     */
    private static int derive(Path mind, int users, int round, Path out) throws IOException {
        Files.createDirectories(out);
        Set<String> chosen = new LinkedHashSet<>();
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(mind.resolve("behaviors.tsv"), StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            if (!chosen.contains(f[1])) {
                if (chosen.size() == users) {
                    continue;
                }
                chosen.add(f[1]);
            }
            f[0] = "r" + round + "-" + f[0];
            f[2] = LocalDateTime.parse(f[2], ROW_TIME).plusDays(round - 1).format(ROW_TIME);
            f[3] = "";
            rows.add(String.join("\t", f));
        }
        Files.write(out.resolve("behaviors.tsv"), rows, StandardCharsets.UTF_8);
        Path news = out.resolve("news.tsv");
        Files.deleteIfExists(news);
        Files.createSymbolicLink(news, mind.resolve("news.tsv").toAbsolutePath());
        MindReplay replay = MindReplay.load(out, users);
        System.out.println("smoke-check: round " + round + ": " + replay.clicks().size() + " new clicks for "
                + replay.clicksPerUser().size() + " of " + chosen.size() + " users in " + out);
        return 0;
    }

    /** Waits until every replayed user's newest embedding has the history_version of all DIRs' clicks. */
    private static int await(String bootstrap, int users, int timeoutS, String dirs) throws Exception {
        Map<String, Long> expected = new TreeMap<>();
        for (String dir : dirs.split(",")) {
            MindReplay.load(Path.of(dir), users).clicksPerUser()
                    .forEach((user, clicks) -> expected.merge(user, (long) clicks, Long::sum));
        }
        System.out.println("smoke-check: expecting " + expected.size() + " users at history_version = their clicks in "
                + dirs + " (" + expected.values().stream().mapToLong(Long::longValue).sum() + " clicks)");
        SingleObjectCodec<UserEmbedding> codec = SingleObjectCodec.forClass(UserEmbedding.class);
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(timeoutS).toNanos();
        Map<String, Long> newest = new HashMap<>();
        Map<String, Long> highest = new HashMap<>();
        long records = 0;
        long wentBack = 0;
        long firstNewAt = 0;
        try (KafkaConsumer<String, byte[]> consumer =
                     new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor("user-embeddings", Duration.ofSeconds(timeoutS));
            List<TopicPartition> partitions = infos.stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> endAtStart = consumer.endOffsets(partitions);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        continue;
                    }
                    records++;
                    if (firstNewAt == 0 && r.offset() >= endAtStart.get(new TopicPartition(r.topic(), r.partition()))) {
                        firstNewAt = System.currentTimeMillis();
                        System.out.println("smoke-check: first-new-ms=" + firstNewAt + " (" + r.key() + " history_version "
                                + codec.decode(r.value()).getHistoryVersion() + ")");
                    }
                    long version = codec.decode(r.value()).getHistoryVersion();
                    Long before = highest.get(r.key());
                    if (before != null && version < before) {
                        wentBack++;
                    }
                    newest.put(r.key(), version);
                    highest.merge(r.key(), version, Math::max);
                }
                if (expected.entrySet().stream().allMatch(e -> e.getValue().equals(newest.get(e.getKey())))) {
                    long now = System.currentTimeMillis();
                    System.out.printf(Locale.ROOT, "smoke-check: current-ms=%d: %d of %d users current at their latest"
                                    + " history_version (%d records read; %d older than one already seen: replays)%n",
                            now, expected.size(), expected.size(), records, wentBack);
                    return 0;
                }
            }
        }
        List<String> lagging = new ArrayList<>();
        expected.forEach((user, want) -> {
            Long have = newest.get(user);
            if (!want.equals(have)) {
                lagging.add(user + " newest " + (have == null ? "none" : have) + " want " + want);
            }
        });
        System.out.printf(Locale.ROOT, "smoke-check: FAILED: after %d s, %d of %d users not current (%d records read): %s%n",
                timeoutS, lagging.size(), expected.size(), records, String.join(", ", lagging));
        return 1;
    }
}
