package dev.embsum.cli.internal;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on stderr: {@code [#####.....] 1234/5000 24% 980/s ETA 4s}. On a terminal
 * it redraws in place (carriage return) at most every 100 ms; otherwise (a pipe, a log file, CI) it
 * prints a plain line every few seconds so logs do not fill with redraws.
 */
public final class ProgressBar {

    private static final int WIDTH = 30;
    private static final long TERMINAL_EVERY_NANOS = 100_000_000L;
    private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;

    private final PrintWriter err;
    private final String label;
    private final long total;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastDrawn = Long.MIN_VALUE;
    private long done;

    /**
     * @param terminal redraw in place (true when stderr is a console)
     */
    public ProgressBar(PrintWriter err, String label, long total, boolean terminal) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.terminal = terminal;
    }

    /** True when this JVM's stderr is most likely a terminal (there is a console). */
    public static boolean stderrIsTerminal() {
        return System.console() != null;
    }

    public void advance() {
        done++;
        long now = System.nanoTime();
        if (now - lastDrawn >= (terminal ? TERMINAL_EVERY_NANOS : PLAIN_EVERY_NANOS)) {
            draw(now);
        }
    }

    /** The final state, on its own line. */
    public void finish() {
        draw(System.nanoTime());
        if (terminal) {
            err.println();
        }
        err.flush();
    }

    public long done() {
        return done;
    }

    private void draw(long now) {
        lastDrawn = now;
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        double rate = done / seconds;
        int filled = total <= 0 ? WIDTH : (int) (WIDTH * Math.min(1.0, (double) done / total));
        String eta =
                rate > 0 && done < total
                        ? String.format(Locale.ROOT, "  ETA %.0fs", (total - done) / rate)
                        : "";
        String line =
                String.format(
                        Locale.ROOT,
                        "%s [%s%s] %d/%d %3.0f%%  %.0f/s%s",
                        label,
                        "#".repeat(filled),
                        ".".repeat(WIDTH - filled),
                        done,
                        total,
                        total <= 0 ? 100.0 : 100.0 * done / total,
                        rate,
                        eta);
        if (terminal) {
            err.print("\r" + line + "   ");
        } else {
            err.println(line);
        }
        err.flush();
    }
}
