package lib;

import java.util.function.LongSupplier;

/**
 * A once-a-second progress line on stderr while a long step runs, only on a terminal: schedulers
 * and pipes get no noise. Use with try-with-resources.
 */
public final class Progress implements AutoCloseable {
    private final Thread ticker;
    private final boolean shown;

    public Progress(String label, LongSupplier bytes) {
        shown = System.console() != null && !"true".equals(System.getenv("RA_QUIET"));
        long start = System.nanoTime();
        ticker = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                double secs = (System.nanoTime() - start) / 1e9;
                System.err.printf("\r%s: %s in %.0f s   ", label, Disk.human(bytes.getAsLong()), secs);
            }
        }, "progress");
        ticker.setDaemon(true);
        if (shown) ticker.start();
    }

    @Override
    public void close() {
        if (!shown) return;
        ticker.interrupt();
        try {
            ticker.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.err.print("\r\033[K");
    }
}
