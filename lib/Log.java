package lib;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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

    /**
     * Appends a line to a file that rotates at 5 MB keeping 5 ({@code name.1} is the newest old one). A rotation
     * that fails (on Windows, a program holding the file open without sharing delete) is not a lost line: the line
     * goes to the current file, a warning goes to stderr once, and the next append tries again.
     */
    public static void append(Path file, String line) throws IOException {
        SafeFiles.createDirectories(file.getParent());
        try {
            rotateIfLarge(file);
        } catch (NoSuchFileException e) {
            // another run rotated it at the same moment
        } catch (IOException e) {
            if (UNROTATED.add(file.toAbsolutePath())) {
                System.err.println("warning: cannot rotate " + file + " (" + e + "); appending to it until it can be rotated");
            }
        }
        try (var ch = SafeFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** Files whose failed rotation was already reported, so a busy log warns once, not on every line. */
    private static final Set<Path> UNROTATED = ConcurrentHashMap.newKeySet();

    /**
     * The current file is moved aside to {@code name.0} first: a file held open elsewhere then stops the rotation
     * before any older file has moved. A {@code name.0} left by a rotation that stopped halfway is finished first.
     */
    private static void rotateIfLarge(Path file) throws IOException {
        if (!Files.exists(file) || Files.size(file) < ROTATE_BYTES) return;
        Path aside = rotated(file, 0);
        if (!Files.isRegularFile(aside)) Files.move(file, aside);
        for (int i = KEEP - 1; i >= 1; i--) {
            Path from = rotated(file, i);
            if (Files.exists(from)) Files.move(from, rotated(file, i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(aside, rotated(file, 1), StandardCopyOption.REPLACE_EXISTING);
    }

    public static Path rotated(Path file, int n) { return file.resolveSibling(file.getFileName() + "." + n); }

    /** The complete lines of a file's end; {@code whole} when that end is the whole file. */
    public record Tail(List<String> lines, boolean whole) {}

    /**
     * The lines in the last {@code maxBytes} of {@code file}, without the first one when the window starts
     * inside it (a piece of a line is not a line): how logs and JSON-lines files are read from the end.
     */
    public static Tail tail(Path file, long maxBytes) throws IOException {
        try (FileChannel ch = openForReading(file)) {
            long len = ch.size();
            long start = Math.max(0, len - Math.min(maxBytes, Integer.MAX_VALUE - 8));
            ByteBuffer buf = ByteBuffer.allocate((int) (len - start));
            while (buf.hasRemaining() && ch.read(buf, start + buf.position()) > 0) { }
            List<String> lines = new ArrayList<>(List.of(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).split("\\R")));
            if (start > 0 && !lines.isEmpty()) lines.remove(0);
            return new Tail(lines, start == 0);
        }
    }

    /**
     * Opens a file that another run may rotate or delete meanwhile. On Windows only a channel lets that happen:
     * the JDK opens channels with FILE_SHARE_DELETE (sun.nio.fs.WindowsChannelFactory, Flags.shareDelete defaults
     * to true), while RandomAccessFile and FileInputStream share only read and write (winFileHandleOpen in
     * java.base/windows/native/libjava/io_util_md.c), so a reader of those would make the writer's rename fail.
     * Checked on Windows: not yet.
     */
    public static FileChannel openForReading(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.READ);
    }
}
