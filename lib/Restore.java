package lib;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import lib.crypt.Encryption;

/**
 * A safe restore: the backup is checked before anything is touched, restored into a new database
 * {@code <target>_restoring_<ts>}, validated against the manifest's row counts, and only then swapped
 * in place of the target, whose old copy is kept as {@code <target>_before_restore_<ts>}. A failure
 * at any step leaves the target as it was. A safety backup of the target is taken first.
 */
public final class Restore {
    /** How to restore. */
    public record Options(String target, boolean safetyBackup, boolean withGlobals, boolean noOwner) {}

    /** What will happen, shown by --dry-run and before the prompt. */
    public record Plan(BackupStore.Entry backup, String target, boolean targetExists, String restoring, String keepAs,
                       boolean safetyBackup, boolean withGlobals) {}

    /** What happened: seconds taken (the RTO a drill reports) and the backup's age (the RPO). */
    public record Result(Plan plan, double seconds, Duration backupAge, Path safetyBackup) {}

    /** Infix of the side database a restore goes into: {@code <target>_restoring_<stamp>}. */
    public static final String RESTORING = "_restoring_";
    private final Config cfg;
    private final Log log;
    private final PgTarget target;
    private final Pg pg;
    private final BackupStore store;
    private final Encryption encryption;

    public Restore(Config cfg, Log log) {
        this(cfg, log, Encryption.from(cfg));
    }

    /** With keys already loaded: the same backups restored to another server (a drill's scratch container). */
    public Restore(Config cfg, Log log, Encryption encryption) {
        this.cfg = cfg;
        this.log = log;
        this.target = new PgTarget(cfg);
        this.pg = new Pg(target);
        this.store = new BackupStore(cfg.path("BACKUP_DIR"));
        this.encryption = encryption;
    }

    /** The encryption settings this restore reads encrypted backups with. */
    public Encryption encryption() { return encryption; }

    /** The backup to restore: a file, else the newest verified one of {@code db} (of a type, on a UTC date). */
    public BackupStore.Entry choose(Path file, String db, String type, LocalDate date) {
        return file != null ? fromFile(file) : candidates(db, type, date).get(0);
    }

    /** Verified backups of {@code db} (of a type, on a UTC date), newest first; none is a usage error. */
    public List<BackupStore.Entry> candidates(String db, String type, LocalDate date) {
        List<BackupStore.Entry> candidates = store.list(db).stream()
                .filter(BackupStore.Entry::verified)
                .filter(e -> type != null ? e.type().equals(type) : !e.type().equals(BackupStore.SAFETY))
                .filter(e -> date == null || LocalDate.ofInstant(e.at(), ZoneOffset.UTC).equals(date))
                .toList();
        if (candidates.isEmpty()) {
            throw new OpsException(ExitCode.USAGE, "no verified backup of " + db + (type != null ? " of type " + type : "")
                    + (date != null ? " taken on " + date : "") + " in " + store.root(),
                    "list backups with: restore.java --list (or pass a FILE)");
        }
        return candidates;
    }

    private static BackupStore.Entry fromFile(Path file) {
        Path dump = file;
        if (file.getFileName().toString().endsWith(".manifest.json")) {
            String base = file.getFileName().toString().replace(".manifest.json", "");
            dump = file.resolveSibling(base + ".dump.zst");
            for (String suffix : BackupStore.DUMP_SUFFIXES) {
                if (Files.exists(file.resolveSibling(base + suffix))) dump = file.resolveSibling(base + suffix);
            }
        }
        if (!Files.isRegularFile(dump)) {
            throw new OpsException(ExitCode.USAGE, "backup file not found: " + file, "check the path; restore.java --list shows backups");
        }
        BackupStore.Entry e = BackupStore.parse(dump.toAbsolutePath()).orElseThrow(() -> new OpsException(ExitCode.USAGE,
                "not a backup file of this kit: " + file, "expected <db>_<yyyyMMddTHHmmssZ>_<type>.dump.zst; restore foreign dumps by hand with pg_restore"));
        if (e.foreign() != null) {
            throw new OpsException(ExitCode.VERIFY_FAILED, e.dump().getFileName() + " is " + e.state() + "; it is not restored",
                    "restore another backup (--list), and find out who wrote that manifest");
        }
        if (e.manifest() == null) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "no readable manifest next to " + file.getFileName()
                    + ": the backup is incomplete or its manifest is damaged", "use another backup (--list)");
        }
        return e;
    }

    public Plan plan(BackupStore.Entry backup, Options o) {
        String t = o.target() != null ? o.target() : backup.db();
        String stamp = BackupStore.STAMP.format(Instant.now()).toLowerCase();
        boolean exists = pg.exists(t);
        return new Plan(backup, t, exists, t + RESTORING + stamp, t + "_before_restore_" + stamp,
                o.safetyBackup() && exists, o.withGlobals());
    }

    /** Checksum and archive listing: must pass before anything is changed. */
    public void check(Plan p) {
        Archive a = new Archive(p.backup().dump(), target, encryption);
        a.checkSum(p.backup().manifest().sha256());
        a.listing();
        if (p.withGlobals()) {
            Path g = p.backup().globals();
            if (g == null || !Files.exists(g)) {
                throw new OpsException(ExitCode.VERIFY_FAILED, "--with-globals: the globals file of this backup is missing",
                        "restore without --with-globals, or pick another backup");
            }
            new Archive(g, target, encryption).checkSum(p.backup().manifest().globalsSha256());
        }
    }

    /** Runs the plan; the caller has {@link #check checked} the backup and had the plan confirmed. */
    public Result execute(Plan p, Options o) {
        Instant start = Instant.now();
        try (Lock lock = Lock.acquire(store.root(), p.target(), "restore")) {
            pg.dropLeftovers(p.target(), RESTORING).forEach(n -> log.warn("dropped side database of an interrupted restore: " + n));
            Path safety = null;
            if (p.safetyBackup()) {
                log.info("safety backup of " + p.target() + " before restoring");
                safety = new Backup(cfg, log).runLocked(p.target(), new Backup.Options(BackupStore.SAFETY, "quick", false, false)).dump();
            }
            if (p.withGlobals()) applyGlobals(p.backup().globals());
            restoreAndValidate(p, o);
            if (p.targetExists()) pg.swap(p.target(), p.restoring(), p.keepAs());
            else pg.psql().exec(Pg.MAINTENANCE_DB, "ALTER DATABASE " + Psql.ident(p.restoring()) + " RENAME TO " + Psql.ident(p.target()));
            double secs = Duration.between(start, Instant.now()).toMillis() / 1000.0;
            Duration age = Duration.between(p.backup().manifest().startedAt(), Instant.now());
            log.info("restored " + p.backup().dump().getFileName() + " into " + p.target() + " in " + secs + " s; backup age "
                    + Report.age(age) + (p.targetExists() ? "; previous database kept as " + p.keepAs() : ""));
            return new Result(p, secs, age, safety);
        }
    }

    private void restoreAndValidate(Plan p, Options o) {
        pg.createDatabase(p.restoring(), p.targetExists() ? p.target() : null);
        boolean ok = false;
        try {
            new Archive(p.backup().dump(), target, encryption).restoreInto(p.restoring(), o.noOwner(), ExitCode.RESTORE_FAILED);
            try {
                Verifier.requireSameCounts(p.backup().manifest().tables(), pg.rowCounts(p.restoring()), "restored database");
            } catch (OpsException e) {
                throw new OpsException(ExitCode.RESTORE_FAILED, e.getMessage(), "the target was not touched; try another backup", e);
            }
            ok = true;
        } finally {
            if (!ok) {
                log.error("restore failed; dropping " + p.restoring() + ", " + p.target() + " untouched");
                try { pg.dropDatabase(p.restoring()); } catch (OpsException e) { log.error("could not drop " + p.restoring() + ": " + e.oneLine()); }
            }
        }
    }

    /** Replays roles and tablespaces; "already exists" errors are expected on the same server and only logged. */
    private void applyGlobals(Path globals) {
        try (InputStream in = Codec.forFile(globals.toString()).decompress(encryption.open(globals))) {
            Proc.Result r = Proc.run(target.command("psql", List.of("-X", "-q", "-f", "-")), target.env(Pg.MAINTENANCE_DB),
                    null, in, null);
            long errors = r.stderr().lines().filter(l -> l.contains("ERROR")).count();
            if (errors > 0) log.warn("globals applied with " + errors + " errors (existing roles are expected): " + r.lastError());
            else log.info("globals applied from " + globals.getFileName());
        } catch (IOException | UncheckedIOException e) {
            throw new OpsException(ExitCode.RESTORE_FAILED, "cannot read globals file " + globals + ": " + e.getMessage(), null);
        }
    }
}
