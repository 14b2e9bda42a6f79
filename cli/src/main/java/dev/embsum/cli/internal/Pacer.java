package dev.embsum.cli.internal;

/**
 * Holds a rate on average: the i-th call returns no earlier than {@code start + i / rate}, so a
 * slow send is made up for by the next ones instead of lowering the rate for good.
 */
public final class Pacer {

    private final double nanosPerEvent;
    private final long start = System.nanoTime();
    private long events;

    /**
     * @param perSecond events per second; 0 = no limit
     */
    public Pacer(double perSecond) {
        this.nanosPerEvent = perSecond <= 0 ? 0 : 1e9 / perSecond;
    }

    /** Waits until the next event is due. */
    public void await() throws InterruptedException {
        if (nanosPerEvent > 0) {
            long due = start + (long) (events * nanosPerEvent);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        events++;
    }
}
