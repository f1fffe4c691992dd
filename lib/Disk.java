package lib;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/** Free-space checks and the one wording for "disk full", wherever it happens. */
public final class Disk {
    private Disk() {}

    /** Bytes usable by us on the file system holding {@code dir} (created if missing). */
    public static long usable(Path dir) {
        try {
            SafeFiles.createDirectories(dir);
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw explain(e, dir);
        }
    }

    /** Refuses to start when the estimate does not fit, with a 10% margin. */
    public static void require(Path dir, long estimate, String what) {
        long free = usable(dir);
        if (estimate > 0 && free < estimate + estimate / 10) {
            throw new OpsException(ExitCode.NO_SPACE, "not enough free space in " + dir + " for " + what + ": need about "
                    + human(estimate) + ", " + human(free) + " free",
                    "free some space, lower KEEP_* or move BACKUP_DIR to a bigger disk");
        }
    }

    /**
     * Maps an I/O failure to a one-line error; a full disk gets its own exit code. Whether the disk is full is
     * decided by its free space, since the OS message is in the OS's language ("Auf dem Datenträger ist nicht
     * genügend Speicherplatz vorhanden."); the English texts count too, and failures a full disk does not cause
     * (permission denied, a missing or existing name) never do.
     */
    public static OpsException explain(IOException e, Path file) {
        String m = String.valueOf(e.getMessage());
        if (full(e, m, file)) {
            return new OpsException(ExitCode.NO_SPACE, "disk full while writing " + file,
                    "free some space, lower KEEP_* or move BACKUP_DIR to a bigger disk", e);
        }
        return new OpsException(ExitCode.FAILED, "cannot write " + file + ": " + m, "check the path and permissions", e);
    }

    /**
     * Below this many usable bytes a failed write is taken for a full disk: a write fails before the last byte is
     * used (NTFS keeps room for its own tables). Checked on Windows: not yet.
     */
    static final long NEARLY_FULL = 16L * 1024 * 1024;

    private static boolean full(IOException e, String message, Path file) {
        if (e instanceof AccessDeniedException || e instanceof NoSuchFileException || e instanceof FileAlreadyExistsException
                || e instanceof NotDirectoryException) {
            return false;
        }
        if (message.contains("No space left") || message.contains("not enough space") || message.contains("There is not enough space")) {
            return true;
        }
        long free = usableNear(file);
        return free >= 0 && free < NEARLY_FULL;
    }

    /** Usable bytes on the file system of {@code file}'s nearest existing folder, or -1 when even that cannot be told. */
    private static long usableNear(Path file) {
        for (Path p = file.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (!Files.isDirectory(p)) continue;
            try {
                return Files.getFileStore(p).getUsableSpace();
            } catch (IOException e) {
                return -1;
            }
        }
        return -1;
    }

    public static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
