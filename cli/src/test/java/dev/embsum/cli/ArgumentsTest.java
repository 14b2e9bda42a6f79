package dev.embsum.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad arguments: exit status 2, a message that names what is wrong and how to fix it, and where the
 * usage is. No broker is needed: every case fails before a Kafka client is created.
 */
class ArgumentsTest {

    private static final Path MIND =
            Paths.get(System.getProperty("embsum.root", "..")).resolve("data/mind");

    private static Cli.Result bad(String... args) {
        Cli.Result r = Cli.run(args);
        assertThat(r.status()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).as("nothing on stdout").isEmpty();
        return r;
    }

    @Test
    void noCommand() {
        Cli.Result r = bad();
        assertThat(r.err())
                .startsWith("embsum: a command is required: produce, tail, score, release or dlq")
                .contains("Run 'embsum --help' for its usage.");
    }

    @Test
    void unknownCommandGetsASuggestion() {
        Cli.Result r = bad("prodce");
        assertThat(r.err())
                .contains("Unmatched argument at index 0: 'prodce'")
                .contains("Did you mean")
                .contains("produce");
    }

    @Test
    void misspeltOptionGetsASuggestion() {
        Cli.Result r = bad("produce", "--mind", MIND.toString(), "--rat", "5");
        assertThat(r.err())
                .isEqualTo(
                        "embsum produce: Unknown options: '--rat', '5'\n"
                                + "Possible solutions: --rate\n"
                                + "Run 'embsum produce --help' for its usage.\n");
        assertThat(bad("tail", "dead-letters", "--from-begining").err())
                .contains("Possible solutions: --from-beginning");
    }

    @Test
    void produceNeedsExactlyOneSource() {
        assertThat(bad("produce").err())
                .contains(
                        "Missing required argument (specify one of these): (--mind=DIR | --goodreads=DIR)");
        assertThat(bad("produce", "--mind", "a", "--goodreads", "b").err())
                .contains("--mind=DIR, --goodreads=DIR are mutually exclusive");
    }

    @Test
    void produceChecksTheDirectoryAndItsFiles(@org.junit.jupiter.api.io.TempDir Path empty) {
        assertThat(bad("produce", "--mind", "no/such/dir").err())
                .contains(
                        "embsum produce: --mind no/such/dir: no such directory (the samples ship in data/mind and data/goodreads)");
        assertThat(bad("produce", "--goodreads", empty.toString()).err())
                .contains("has no Books.csv (expected Books.csv and Ratings.csv)");
    }

    @Test
    void produceRateUsersAndStreams() {
        assertThat(bad("produce", "--mind", MIND.toString(), "--rate", "-5").err())
                .contains(
                        "--rate must be 0 (no limit) or a positive number of records per second, got -5.0");
        assertThat(bad("produce", "--mind", MIND.toString(), "--users", "0").err())
                .contains("--users must be at least 1, got 0");
        assertThat(bad("produce", "--mind", MIND.toString(), "--only", "clicks,views").err())
                .contains("Invalid value for option '--only'")
                .contains("expected one of [content, clicks, impressions]")
                .contains("'views'");
        assertThat(bad("produce", "--mind", MIND.toString(), "--rate", "fast").err())
                .contains("Invalid value for option '--rate': 'fast' is not a double");
    }

    @Test
    void tailNeedsATopicAndAReadableTimeout() {
        assertThat(bad("tail").err()).contains("Missing required parameter: 'TOPIC'");
        assertThat(bad("tail", "dead-letters", "--timeout", "5x").err())
                .contains("'5x' is not a duration: write e.g. 500ms, 10s, 2min, 1h");
        assertThat(bad("tail", "dead-letters", "--max", "0").err())
                .contains("--max must be at least 1, got 0");
    }

    @Test
    void scoreNeedsAUser() {
        assertThat(bad("score").err()).contains("Missing required option: '--user=USER_ID'");
        assertThat(bad("score", "--user", "U1", "--k", "0").err())
                .contains("--k must be at least 1, got 0");
    }

    @Test
    void releaseNeedsAnExistingBundle() {
        assertThat(bad("release").err()).contains("Missing required parameter: 'BUNDLE'");
        assertThat(bad("release", "no/such/bundle.tar.gz").err())
                .contains("BUNDLE no/such/bundle.tar.gz: no such file or directory");
    }

    @Test
    void dlqReplayRefusesKindsThatWouldFailAgain() {
        assertThat(bad("dlq").err()).contains("embsum dlq: a subcommand is required: replay");
        Cli.Result r = bad("dlq", "replay", "--kind", "MALFORMED");
        assertThat(r.err())
                .startsWith(
                        "embsum dlq replay: --kind MALFORMED: replaying sends the very bytes that were"
                                + " undecodable, so the job would dead-letter them again.")
                .contains("Run 'embsum dlq replay --help' for its usage.");
        assertThat(bad("dlq", "replay", "--kind", "UNKNOWN_ITEM,INVALID").err())
                .contains("--kind INVALID");
    }

    @ParameterizedTest
    @ValueSource(strings = {"produce", "tail", "score", "release", "dlq", "dlq replay"})
    void everyCommandHasHelp(String command) {
        String[] args = (command + " --help").split(" ");
        Cli.Result r = Cli.run(args);
        assertThat(r.status()).isZero();
        assertThat(r.out()).startsWith("Usage: embsum " + command).contains("--help");
        if (!command.equals("dlq")) {
            assertThat(r.out()).contains("Examples:");
        }
        assertThat(r.err()).isEmpty();
    }

    @Test
    void topLevelHelpListsTheCommands() {
        Cli.Result r = Cli.run("--help");
        assertThat(r.status()).isZero();
        assertThat(r.out())
                .contains(
                        "produce", "tail", "score", "release", "dlq", "$EMBSUM_BOOTSTRAP_SERVERS");
    }
}
