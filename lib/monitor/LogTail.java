package lib.monitor;

import lib.Log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** The end of the most recently written {@code LOG_DIR/*.log}: what [L] shows. */
public final class LogTail {
    private static final int READ = 64 * 1024;

    private LogTail() {}

    /** The log file written last, if there is any. */
    public static Optional<Path> newest(Path logDir) {
        if (!Files.isDirectory(logDir)) return Optional.empty();
        try (Stream<Path> files = Files.list(logDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log") && Files.isRegularFile(f))
                    .max(Comparator.comparing(LogTail::modified));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Its last {@code n} lines (at most the last 64 KB of it). */
    public static List<String> tail(Path file, int n) {
        try {
            List<String> lines = Log.tail(file, READ).lines();
            return lines.subList(Math.max(0, lines.size() - n), lines.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileTime modified(Path f) {
        try {
            return Files.getLastModifiedTime(f);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
