package lib.health;

import lib.Disk;
import lib.Docker;
import lib.Proc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.*;

/**
 * 6. Used space of the filesystem holding BACKUP_DIR and of the one holding the database's data
 * directory (inside the container via df in docker mode), against DISK_WARN/CRITICAL_PERCENT. Under Docker
 * Desktop also the drive that holds its disk image: df inside sees only the image, which can still have room
 * when the drive beneath it is full.
 */
final class DiskCheck implements Check {
    private static final boolean WINDOWS = System.getProperty("os.name").startsWith("Windows");

    /** Used and total bytes of one filesystem. */
    record Usage(String what, long used, long total) {
        double percent() { return total == 0 ? 0 : 100.0 * used / total; }
    }

    /** The key of the Docker Desktop drive's values. */
    static final String DESKTOP = "dockerDesktop";

    /** Where the official image and ours keep the cluster (PGDATA). */
    static final String STANDARD_PGDATA = "/var/lib/postgresql/data";

    /** The database's size and its data directory's filesystem (null when not measurable from here). */
    private record DbSide(long bytes, Usage volume) {}

    public String name() { return "disk"; }

    public String problem() { return "disk space running out"; }

    public CheckResult run(Probe p) throws Exception {
        List<Usage> usages = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        usages.add(local("backups", p.config().path("BACKUP_DIR")));
        Long dbBytes = null;
        // The database side may hang; the backup side must still be reported, so it gets a shorter leash.
        CompletableFuture<DbSide> db = CompletableFuture.supplyAsync(() -> database(p), HealthCheck.DAEMONS);
        CompletableFuture<Optional<Usage>> desktop = CompletableFuture.supplyAsync(() -> desktop(p), HealthCheck.DAEMONS);
        try {
            DbSide got = db.get(leash(p), TimeUnit.MILLISECONDS);
            dbBytes = got.bytes();
            if (got.volume() != null) usages.add(got.volume());
            else notes.add("database volume not measurable from here");
        } catch (TimeoutException e) {
            notes.add("database volume not measured (no answer in time)");
        } catch (ExecutionException e) {
            notes.add("database volume not measured (" + e.getCause().getMessage() + ")");
        }
        try {
            desktop.get(leash(p), TimeUnit.MILLISECONDS).ifPresent(usages::add);
        } catch (TimeoutException | ExecutionException e) {
            notes.add(label(DESKTOP) + " not measured");
        }
        return verdict(p, usages, dbBytes, notes);
    }

    private static long leash(Probe p) { return Math.max(0, p.remaining().toMillis() - 700); }

    /** The drive holding Docker Desktop's disk image (DOCKER_DESKTOP_DATA, or found on Windows in docker mode). */
    private static Optional<Usage> desktop(Probe p) {
        boolean ask = WINDOWS && p.config().dockerMode();
        Optional<Path> dir = Docker.desktopData(p.config().get("DOCKER_DESKTOP_DATA"), ask, System.getenv("LOCALAPPDATA"),
                () -> Docker.operatingSystem(p.remaining()));
        try {
            return dir.isEmpty() ? Optional.empty() : Optional.of(local(DESKTOP, dir.get()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How a filesystem is named in the summary. */
    private static String label(String what) { return what.equals(DESKTOP) ? "Docker Desktop drive" : what; }

    private static DbSide database(Probe p) {
        // In docker mode df runs beside the query: the image's standard data directory is nearly always it.
        CompletableFuture<Usage> guess = p.config().dockerMode()
                ? CompletableFuture.supplyAsync(() -> df(p, STANDARD_PGDATA), HealthCheck.DAEMONS) : null;
        try (Statement st = p.sql().createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_database_size(current_database()), current_setting('data_directory', true)")) {
            rs.next();
            String dataDir = rs.getString(2);
            boolean standard = dataDir == null || dataDir.isBlank() || dataDir.equals(STANDARD_PGDATA);
            return new DbSide(rs.getLong(1), guess != null && standard ? guess.join() : volume(p, dataDir));
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    private CheckResult verdict(Probe p, List<Usage> usages, Long dbBytes, List<String> notes) {
        int warn = p.config().integer("DISK_WARN_PERCENT");
        int crit = p.config().integer("DISK_CRITICAL_PERCENT");
        Status status = Status.OK;
        List<String> parts = new ArrayList<>();
        for (Usage u : usages) {
            Status s = u.percent() >= crit ? Status.CRITICAL : u.percent() >= warn ? Status.WARNING : Status.OK;
            status = Status.worst(status, s);
            parts.add(String.format(Locale.ROOT, "%s %.0f%% used (%s free)", label(u.what()), u.percent(), Disk.human(u.total() - u.used())));
        }
        if (dbBytes != null) parts.add("database " + Disk.human(dbBytes));
        parts.addAll(notes);
        CheckResult r = CheckResult.of(status, String.join(", ", parts)
                + (status == Status.OK ? "" : " (warning at " + warn + "%, critical at " + crit + "%)"));
        if (status != Status.OK) {
            r = r.action("free space: prune old backups (KEEP_* settings), move BACKUP_DIR to a bigger disk, "
                    + "or grow the Docker Desktop disk image (Settings > Resources)"
                    + (usages.stream().anyMatch(u -> u.what().equals(DESKTOP) && u.percent() >= warn) ? "; a full Docker Desktop drive needs room on that "
                    + "drive, or the disk image moved to another (Settings > Resources > Disk image location)" : ""));
        }
        for (Usage u : usages) {
            r.with(u.what() + "UsedPercent", Math.round(u.percent() * 10) / 10.0).with(u.what() + "FreeBytes", u.total() - u.used());
        }
        return r.with("databaseBytes", dbBytes);
    }

    /** A directory on this machine: the nearest existing ancestor's filesystem. */
    static Usage local(String what, Path dir) throws IOException {
        Path d = dir.toAbsolutePath();
        while (d != null && !Files.exists(d)) d = d.getParent();
        FileStore fs = Files.getFileStore(d == null ? Path.of("").toAbsolutePath() : d);
        return new Usage(what, fs.getTotalSpace() - fs.getUsableSpace(), fs.getTotalSpace());
    }

    /** The data directory's filesystem: df inside the container, or here when the server is local. */
    private static Usage volume(Probe p, String dataDir) throws IOException {
        if (p.config().dockerMode()) return df(p, dataDir);
        String host = p.host();
        boolean local = host.equals("localhost") || host.equals("127.0.0.1") || host.equals("::1");
        return local && dataDir != null && !dataDir.isBlank() ? local("volume", Path.of(dataDir)) : null;
    }

    /** df inside the container; null when the image has no df. */
    private static Usage df(Probe p, String dir) {
        Proc.Result r = Proc.run(p.target().command("df", List.of("-Pk", dir)), p.target().env(null), p.remaining());
        return r.ok() ? parseDf(r.stdout()) : null;
    }

    /** POSIX df -Pk: the second line's total and used 1K blocks. */
    static Usage parseDf(String out) {
        String[] lines = out.strip().split("\\R");
        if (lines.length < 2) return null;
        String[] f = lines[lines.length - 1].trim().split("\\s+");
        if (f.length < 4) return null;
        long total = Long.parseLong(f[1]) * 1024;
        long avail = Long.parseLong(f[3]) * 1024;
        return new Usage("volume", total - avail, total);
    }
}
