package lib.monitor;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The monitor's full-screen display on a {@link Tty}: the alternate screen (the shell's contents come back
 * on exit), frames redrawn in place with cursor-home and clear-to-end (no scrolling, no flicker), and keys
 * with escape sequences (arrows, function keys) swallowed so that no stray letter triggers an action.
 * The terminal is restored exactly once: on close, or by a shutdown hook when the JVM is stopped.
 */
public final class Screen implements AutoCloseable {
    private static final String ENTER = "\033[?1049h\033[?25l\033[H\033[2J";
    private static final String LEAVE = "\033[0m\033[?25h\033[?1049l";
    private static final long SEQUENCE_MILLIS = 50;

    private final Tty tty;
    private final AtomicBoolean restored = new AtomicBoolean();
    private final Thread hook = new Thread(this::restore, "monitor-restore-terminal");

    public Screen(Tty tty) {
        this.tty = tty;
        Runtime.getRuntime().addShutdownHook(hook);
        tty.write(ENTER);
    }

    public int width() { return tty.width() > 0 ? tty.width() : 80; }

    public int height() { return tty.height() > 0 ? tty.height() : 24; }

    /** Colours unless NO_COLOR is set; the dash when the terminal's charset has it. */
    public Frame.Style style(Map<String, String> env) { return Frame.Style.of(true, tty.charset(), env); }

    /** The next key (lower case), {@link Tty#TIMEOUT}, {@link Tty#EOF} or {@link Tty#INTERRUPT}. */
    public int key(long timeoutMillis) {
        int c = tty.read(timeoutMillis);
        if (c != 27) return c < 0 ? c : Character.toLowerCase(c);
        int next = tty.read(SEQUENCE_MILLIS);
        if (next == '[') {
            // CSI: parameter and intermediate bytes, then one final byte in @..~
            int b;
            do b = tty.read(SEQUENCE_MILLIS); while (b >= 0x20 && b < 0x40);
        } else if (next == 'O') {
            tty.read(SEQUENCE_MILLIS);
        }
        return 27;
    }

    /** Draws the lines from the top left, each cleared to its end, then clears whatever lies below. */
    public void draw(List<String> lines) {
        StringBuilder sb = new StringBuilder("\033[H");
        int w = width();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            sb.append(l);
            // a line that fills the row leaves the cursor on its last character: erasing there would eat it
            if (visible(l) < w) sb.append("\033[K");
            if (i < lines.size() - 1) sb.append("\r\n");
        }
        tty.write(sb.append("\033[J").toString());
    }

    static int visible(String line) { return line.replaceAll("\033\\[[0-9;]*m", "").length(); }

    private void restore() {
        if (!restored.compareAndSet(false, true)) return;
        tty.write(LEAVE);
        tty.restore();
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook has run or is running restore(), which does nothing twice
        }
    }
}
