package lib;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * One line per event in {@code LOG_DIR/<name>.log}: UTC ISO-8601 timestamp, level, pid, message.
 * Secret values are masked before anything is written. Files rotate at 5 MB, keeping 5; they and a
 * LOG_DIR made here are owner-only.
 * A log that cannot be written never stops the job: the problem is reported once on stderr.
 */
public final class Log {
    static final long ROTATE_BYTES = 5L * 1024 * 1024;
    static final int KEEP = 5;

    private final Path file;
    private final List<String> secrets = new ArrayList<>();
    private boolean warned;

    public Log(Path dir, String name) {
        this.file = dir.resolve(name + ".log");
    }

    /** Registers a value that must never appear in the log (passwords). */
    public Log mask(String secret) {
        if (secret != null && !secret.isEmpty()) secrets.add(secret);
        return this;
    }

    public Path file() { return file; }

    public void info(String message) { write("INFO", message); }

    public void warn(String message) { write("WARN", message); }

    public void error(String message) { write("ERROR", message); }

    public String masked(String text) {
        String out = text;
        for (String s : secrets) out = out.replace(s, "********");
        return out;
    }

    private synchronized void write(String level, String message) {
        String line = Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + level + " [" + ProcessHandle.current().pid()
                + "] " + masked(message).replace('\n', ' ').replace('\r', ' ') + System.lineSeparator();
        try {
            append(file, line);
        } catch (IOException e) {
            if (!warned) System.err.println("warning: cannot write log " + file + ": " + e.getMessage());
            warned = true;
        }
    }

    /** Appends a line to a file that rotates at 5 MB keeping 5 ({@code name.1} is the newest old one). */
    public static void append(Path file, String line) throws IOException {
        SafeFiles.createDirectories(file.getParent());
        rotateIfLarge(file);
        try (var ch = SafeFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static void rotateIfLarge(Path file) throws IOException {
        if (!Files.exists(file) || Files.size(file) < ROTATE_BYTES) return;
        for (int i = KEEP - 1; i >= 1; i--) {
            Path from = rotated(file, i);
            if (Files.exists(from)) Files.move(from, rotated(file, i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(file, rotated(file, 1), StandardCopyOption.REPLACE_EXISTING);
    }

    public static Path rotated(Path file, int n) { return file.resolveSibling(file.getFileName() + "." + n); }

    /** The complete lines of a file's end; {@code whole} when that end is the whole file. */
    public record Tail(List<String> lines, boolean whole) {}

    /**
     * The lines in the last {@code maxBytes} of {@code file}, without the first one when the window starts
     * inside it (a piece of a line is not a line): how logs and JSON-lines files are read from the end.
     */
    public static Tail tail(Path file, long maxBytes) throws IOException {
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(file.toFile(), "r")) {
            long len = raf.length();
            long start = Math.max(0, len - Math.min(maxBytes, Integer.MAX_VALUE - 8));
            byte[] buf = new byte[(int) (len - start)];
            raf.seek(start);
            raf.readFully(buf);
            List<String> lines = new ArrayList<>(List.of(new String(buf, StandardCharsets.UTF_8).split("\\R")));
            if (start > 0 && !lines.isEmpty()) lines.remove(0);
            return new Tail(lines, start == 0);
        }
    }
}
