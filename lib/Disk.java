package lib;

import java.io.IOException;
import java.nio.file.Files;
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

    /** Maps an I/O failure to a one-line error; a full disk gets its own exit code. */
    public static OpsException explain(IOException e, Path file) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("No space left") || m.contains("not enough space") || m.contains("There is not enough space")) {
            return new OpsException(ExitCode.NO_SPACE, "disk full while writing " + file,
                    "free some space, lower KEEP_* or move BACKUP_DIR to a bigger disk", e);
        }
        return new OpsException(ExitCode.FAILED, "cannot write " + file + ": " + m, "check the path and permissions", e);
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
