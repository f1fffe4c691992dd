package lib.monitor;

import java.nio.charset.Charset;

/**
 * A terminal in raw mode: single keypresses without Enter or echo. The implementation wraps a terminal
 * library (monitor.java uses JLine, which also drives Windows Terminal and conhost); it lives with the script
 * because everything under lib/ is compiled into every script, and only the monitor carries that library.
 */
public interface Tty {
    /** {@link #read} found no key within the time given. */
    int TIMEOUT = -2;
    /** The terminal is gone (ssh dropped, window closed). */
    int EOF = -1;
    /** What {@link #read} returns after Ctrl-C, however the platform delivers it. */
    int INTERRUPT = 3;

    /** One character, {@link #TIMEOUT}, {@link #EOF} or {@link #INTERRUPT}. */
    int read(long timeoutMillis);

    int width();

    int height();

    /** Writes and flushes. */
    void write(String text);

    /** What the terminal can display. */
    Charset charset();

    /** Puts the terminal back as it was before raw mode; called once, possibly from a shutdown hook. */
    void restore();
}
