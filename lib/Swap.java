package lib;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Puts a restored copy in the place of its target and keeps the old one: blocks new connections to the target,
 * ends its sessions, renames it, renames the copy. Between these statements the server is in a state no one
 * wants to find (a target refusing every connection, or no target at all), so before the first of them the swap
 * writes a journal, {@code BACKUP_DIR/.restores/<target>.json}, with both databases' oids. Whatever stopped the
 * swap (SIGTERM, kill -9, a power cut, a lost connection), {@link #repair} later finds both databases by oid and
 * either finishes the swap (the copy already has the target's name) or rolls it back (the old database gets its
 * name and its connections back; the copy is dropped). The next restore of that target repairs first;
 * {@code restore.java --status} and health-check show a journal left behind, {@code restore.java --repair} repairs
 * it.
 * <p>
 * Tests stop a swap at a step with the environment variable {@code RA_INFRA_PAUSE_AT} (one of {@link #STEPS}): the
 * swap prints {@code paused at <step>} on stderr once that step is done and waits there for a kill.
 */
public final class Swap {
    /** The steps, in order; each is recorded before it is taken. */
    public static final List<String> STEPS = List.of("blocking-connections", "renaming-target", "renaming-restored", "reopening");
    static final String PAUSE_VARIABLE = "RA_INFRA_PAUSE_AT";
    /** The command that repairs interrupted swaps, with the launcher of this OS. */
    public static final String REPAIR_COMMAND = Launcher.command("restore.java --repair");

    /**
     * One swap under way on a server: names and oids of the target ({@code oldOid}) and of the restored copy
     * ({@code newOid}), whether the target allowed connections before, the step being taken, and who took it.
     */
    public record Journal(String server, String target, String restoring, String keepAs, long oldOid, long newOid,
                          boolean allowedConnections, String step, String backup, long pid, Instant startedAt) {
        Journal at(String s) {
            return new Journal(server, target, restoring, keepAs, oldOid, newOid, allowedConnections, s, backup, pid, startedAt);
        }

        /** True while the process that wrote it still runs (then the swap is not interrupted, only under way). */
        public boolean running() {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .flatMap(h -> h.info().startInstant()).map(s -> !s.isAfter(startedAt)).orElse(false);
        }
    }

    /** What a repair did, in one line, and whether the target is back in a normal state. */
    public record Outcome(String target, boolean repaired, String text) {}

    private final Psql psql;
    private final Path dir;
    private final String server;

    public Swap(Pg pg, Path backupDir) {
        this.psql = pg.psql();
        this.dir = journalDir(backupDir);
        this.server = pg.target().describe();
    }

    static Path journalDir(Path backupDir) { return backupDir.resolve(".restores"); }

    /** Runs the swap; the caller holds the target's lock. On failure the swap is repaired before the error is thrown. */
    public void run(String target, String restoring, String keepAs, String backup) {
        Map<String, Object> old = row(target);
        Journal j = new Journal(server, target, restoring, keepAs, oid(old), oid(row(restoring)), Boolean.TRUE.equals(old.get("allowconn")),
                STEPS.get(0), backup, ProcessHandle.current().pid(), Instant.now());
        String t = Psql.ident(target);
        try {
            j = record(j, STEPS.get(0));
            psql.exec(Pg.MAINTENANCE_DB, "ALTER DATABASE " + t + " WITH ALLOW_CONNECTIONS false");
            psql.exec(Pg.MAINTENANCE_DB, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
                    + Psql.literal(target) + " AND pid <> pg_backend_pid()");
            pauseAfter(j);
            j = record(j, STEPS.get(1));
            psql.exec(Pg.MAINTENANCE_DB, "ALTER DATABASE " + t + " RENAME TO " + Psql.ident(keepAs));
            pauseAfter(j);
            j = record(j, STEPS.get(2));
            psql.exec(Pg.MAINTENANCE_DB, "ALTER DATABASE " + Psql.ident(restoring) + " RENAME TO " + t);
            pauseAfter(j);
            j = record(j, STEPS.get(3));
        } catch (OpsException e) {
            String after;
            try {
                after = repair(j).text();
            } catch (OpsException again) {
                after = "the swap is recorded in " + file(target) + "; " + REPAIR_COMMAND + " finishes or rolls it back";
            }
            throw new OpsException(e.exitCode(), e.getMessage() + "; " + after, e.hint(), e);
        }
        repair(j);
    }

    /** The journals left in BACKUP_DIR (of swaps under way or interrupted), oldest first. */
    public static List<Journal> pending(Path backupDir) {
        Path d = journalDir(backupDir);
        if (!Files.isDirectory(d)) return List.of();
        List<Journal> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(d)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                out.add(Manifest.JSON.readValue(Files.readAllBytes(f), Journal.class));
            }
        } catch (IOException e) {
            throw new OpsException(ExitCode.FAILED, "cannot read the restore journals in " + d + ": " + e.getMessage(),
                    "a journal records an unfinished swap; look at the files there");
        }
        out.sort(java.util.Comparator.comparing(Journal::startedAt));
        return out;
    }

    /** The journals of swaps on this swap's server (oids mean nothing on another one). */
    public List<Journal> pending() {
        return pending(dir.getParent()).stream().filter(j -> j.server().equals(server)).toList();
    }

    /** The journal of {@code target}'s swap on this server, if any. */
    public java.util.Optional<Journal> pending(String target) {
        return pending().stream().filter(j -> j.target().equals(target)).findFirst();
    }

    /**
     * Finishes an interrupted swap when the restored copy already has the target's name, else rolls it back; the
     * caller holds the target's lock. The journal is removed once the target is in a normal state.
     */
    public Outcome repair(Journal j) {
        String oldName = nameOf(j.oldOid());
        String newName = nameOf(j.newOid());
        String t = j.target();
        String text;
        if (t.equals(newName)) {
            if (oldName != null) allowConnections(oldName, j.allowedConnections());
            text = "finished the swap: " + t + " holds the restored copy" + (oldName != null ? ", the previous database is kept as " + oldName : "");
        } else if (oldName == null) {
            return new Outcome(t, false, manual(j, newName));
        } else {
            if (!oldName.equals(t)) {
                if (nameOf(t) != null) return new Outcome(t, false, manual(j, newName));
                psql.exec(Pg.MAINTENANCE_DB, "ALTER DATABASE " + Psql.ident(oldName) + " RENAME TO " + Psql.ident(t));
            }
            allowConnections(t, j.allowedConnections());
            if (newName != null) psql.exec(Pg.MAINTENANCE_DB, "DROP DATABASE " + Psql.ident(newName) + " WITH (FORCE)");
            text = "rolled the swap back: " + t + " is the database it was before the restore"
                    + (newName != null ? "; the restored copy " + newName + " was dropped" : "");
        }
        SafeFiles.deleteQuietly(file(t));
        SafeFiles.deleteQuietly(legacyFile(t));
        SafeFiles.syncDir(dir);
        return new Outcome(t, true, text);
    }

    /** Where an interrupted swap stands: which database has which name, and what {@link #repair} will do. */
    public String describe(Journal j) {
        String oldName = nameOf(j.oldOid());
        String newName = nameOf(j.newOid());
        String where = "previous database " + (oldName == null ? "gone" : oldName + (allows(oldName) ? "" : " (refusing connections)"))
                + ", restored copy " + (newName == null ? "gone" : newName);
        if (j.target().equals(newName)) return where + "; " + REPAIR_COMMAND + " finishes the swap";
        if (oldName == null || !oldName.equals(j.target()) && nameOf(j.target()) != null) return where + "; " + manual(j, newName);
        return where + (oldName.equals(j.target()) ? "" : "; there is no database " + j.target()) + "; " + REPAIR_COMMAND
                + " rolls the swap back";
    }

    private boolean allows(String db) {
        return "t".equals(psql.value(Pg.MAINTENANCE_DB, "SELECT datallowconn FROM pg_database WHERE datname = " + Psql.literal(db)));
    }

    /** When neither finishing nor rolling back is safe: what is where, and what to do by hand. */
    private String manual(Journal j, String newName) {
        return "cannot repair the interrupted swap of " + j.target() + " by itself: the previous database (oid " + j.oldOid()
                + ") is gone" + (newName != null ? " and the restored copy is " + newName : " and so is the restored copy")
                + "; rename the database to keep with ALTER DATABASE ... RENAME TO " + Psql.ident(j.target())
                + ", then delete the journal " + file(j.target());
    }

    private void allowConnections(String db, boolean allow) {
        psql.exec(Pg.MAINTENANCE_DB, "ALTER DATABASE " + Psql.ident(db) + " WITH ALLOW_CONNECTIONS " + allow);
    }

    private Journal record(Journal j, String step) {
        Journal next = j.at(step);
        try {
            Files.createDirectories(dir);
            SafeFiles.write(file(j.target()), Manifest.JSON.writeValueAsBytes(next));
        } catch (IOException e) {
            throw new OpsException(ExitCode.FAILED, "cannot write the restore journal in " + dir + ": " + e.getMessage(),
                    "check that BACKUP_DIR is writable");
        }
        return next;
    }

    private Path file(String target) { return dir.resolve(BackupStore.encode(target) + ".json"); }

    /** The journal's name before names were made distinct on case-insensitive disks; a repair finishes those too. */
    private Path legacyFile(String target) { return dir.resolve(BackupStore.legacyEncode(target) + ".json"); }

    private Map<String, Object> row(String db) {
        List<Map<String, Object>> rows = psql.query(Pg.MAINTENANCE_DB, "SELECT oid::bigint AS oid, datallowconn AS allowconn "
                + "FROM pg_database WHERE datname = " + Psql.literal(db));
        if (rows.isEmpty()) throw new OpsException(ExitCode.RESTORE_FAILED, "database " + db + " vanished before the swap", null);
        return rows.get(0);
    }

    private static long oid(Map<String, Object> row) { return ((Number) row.get("oid")).longValue(); }

    private String nameOf(long oid) {
        return psql.value(Pg.MAINTENANCE_DB, "SELECT datname FROM pg_database WHERE oid = " + oid);
    }

    private String nameOf(String db) {
        return psql.value(Pg.MAINTENANCE_DB, "SELECT datname FROM pg_database WHERE datname = " + Psql.literal(db));
    }

    /** The test hook: stops here, for a kill, when RA_INFRA_PAUSE_AT names this step. */
    private static void pauseAfter(Journal j) {
        if (!j.step().equals(System.getenv(PAUSE_VARIABLE))) return;
        System.err.println("paused at " + j.step());
        System.err.flush();
        try {
            Thread.sleep(Duration.ofMinutes(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
