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
 * {@code <target>_restoring_<ts>} with the target's encoding, locale and owner, validated against the manifest's
 * row counts, given the target's privileges, settings, connection limit and comment, and only then swapped in
 * place of the target ({@link Swap}), whose old copy is kept as {@code <target>_before_restore_<ts>}. A failure
 * at any step leaves the target as it was. A safety backup of the target is taken first.
 */
public final class Restore {
    /** How to restore. */
    public record Options(String target, boolean safetyBackup, boolean withGlobals, boolean noOwner) {}

    /**
     * What will happen, shown by --dry-run and before the prompt.
     * @param properties what is carried over from the target (null for a new database)
     * @param interrupted an earlier swap into the target that is repaired first, or null
     */
    public record Plan(BackupStore.Entry backup, String target, boolean targetExists, String restoring, String keepAs,
                       boolean safetyBackup, boolean withGlobals, DatabaseProperties properties, Swap.Journal interrupted) {}

    /** What happened: seconds taken (the RTO a drill reports) and the backup's age (the RPO). */
    public record Result(Plan plan, double seconds, Duration backupAge, Path safetyBackup) {}

    /** Infix of the side database a restore goes into: {@code <target>_restoring_<stamp>}. */
    public static final String RESTORING = "_restoring_";
    /** Infix of the replaced database, kept: {@code <target>_before_restore_<stamp>}. */
    public static final String BEFORE_RESTORE = "_before_restore_";
    /** Databases a restore never replaces: the swap runs from postgres, and the templates make every new database. */
    static final List<String> SYSTEM_DATABASES = List.of(Pg.MAINTENANCE_DB, "template0", "template1");
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

    /**
     * The backup to restore: a file (a bare name as --list prints it is looked up in BACKUP_DIR's tier folders), else
     * the newest verified one of {@code db} (of a type, on a UTC date).
     */
    public BackupStore.Entry choose(Path file, String db, String type, LocalDate date) {
        return file != null ? fromFile(inStore(file)) : candidates(db, type, date).get(0);
    }

    /** A bare file name that is not in the current folder, found in a tier folder of BACKUP_DIR; else the path as given. */
    private Path inStore(Path file) {
        if (file.getParent() != null || Files.exists(file)) return file;
        String name = file.getFileName().toString();
        return store.list(null).stream().flatMap(e -> java.util.stream.Stream.of(e.dump(), e.manifestFile()))
                .filter(f -> f != null && f.getFileName().toString().equals(name)).findFirst().orElse(file);
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
                    "list backups with: " + Launcher.command("restore.java --list") + " (or pass a FILE)");
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
            throw new OpsException(ExitCode.USAGE, "backup file not found: " + file, "check the path; " + Launcher.command("restore.java --list") + " shows backups");
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

    /**
     * What a restore of {@code backup} will do. A target that an interrupted swap left without its name counts as
     * existing (the repair gives it back first); a system database is refused.
     */
    public Plan plan(BackupStore.Entry backup, Options o) {
        String t = o.target() != null ? o.target() : backup.db();
        refuseSystemDatabase(t);
        Swap.Journal journal = new Swap(pg, store.root()).pending(t).orElse(null);
        Swap.Journal interrupted = journal != null && !journal.running() ? journal : null;
        boolean exists = pg.exists(t) || interrupted != null && pg.exists(interrupted.keepAs());
        if (journal == null && exists) requireConnectable(t, o);
        DatabaseProperties props = !exists ? null : DatabaseProperties.of(pg.psql(), interrupted != null && !pg.exists(t) ? interrupted.keepAs() : t);
        // two restores within one second would otherwise want the same side names
        Instant now = BackupStore.freeStamp(Instant.now(), at -> pg.exists(DbName.of(t, RESTORING, at)) || pg.exists(DbName.of(t, BEFORE_RESTORE, at)));
        return new Plan(backup, t, exists, DbName.of(t, RESTORING, now), DbName.of(t, BEFORE_RESTORE, now),
                o.safetyBackup() && exists, o.withGlobals(), props, interrupted);
    }

    private static void refuseSystemDatabase(String t) {
        if (SYSTEM_DATABASES.contains(t)) {
            throw new OpsException(ExitCode.USAGE, "refusing to restore into " + t + ": a system database cannot be replaced "
                    + "(the swap runs from postgres, and template0/template1 make every new database)",
                    "restore into another name with --target-db " + t + "_restored and copy what you need from there");
        }
    }

    /** A target that refuses connections (and no journal says why) would fail in the safety backup: say so first. */
    private void requireConnectable(String t, Options o) {
        if (o.safetyBackup() && "f".equals(pg.psql().value(Pg.MAINTENANCE_DB, "SELECT datallowconn FROM pg_database WHERE datname = "
                + Psql.literal(t)))) {
            throw new OpsException(ExitCode.USAGE, "database " + t + " does not allow connections, so it cannot be backed up before "
                    + "it is replaced", "if nothing should keep it closed, run ALTER DATABASE " + Psql.ident(t)
                    + " WITH ALLOW_CONNECTIONS true in psql on database postgres; or restore with --no-safety-backup");
        }
    }

    /** A swap journal left in BACKUP_DIR, for --status: under way (its process runs) or interrupted, and where it stands. */
    public record Unfinished(Swap.Journal journal, boolean running, String state) {}

    /** Every swap journal in BACKUP_DIR; the state is read from the server when it is the configured one. */
    public List<Unfinished> unfinished() {
        Swap swap = new Swap(pg, store.root());
        return Swap.pending(store.root()).stream().map(j -> {
            if (j.running()) return new Unfinished(j, true, "restore under way (pid " + j.pid() + ")");
            if (!j.server().equals(target.describe())) return new Unfinished(j, false, "on " + j.server() + ", not the configured server");
            try {
                return new Unfinished(j, false, swap.describe(j));
            } catch (OpsException e) {
                return new Unfinished(j, false, "state unknown: " + e.getMessage());
            }
        }).toList();
    }

    /** Finishes or rolls back the interrupted swaps (of {@code only}, or all), each under its target's lock. */
    public List<Swap.Outcome> repairInterrupted(String only) {
        Swap swap = new Swap(pg, store.root());
        List<Swap.Outcome> out = new java.util.ArrayList<>();
        for (Swap.Journal j : swap.pending()) {
            if (only != null && !only.equals(j.target())) continue;
            try (Lock lock = Lock.acquire(store.root(), j.target(), "restore")) {
                swap.pending(j.target()).map(swap::repair).ifPresent(o -> {
                    out.add(o);
                    if (o.repaired()) log.warn("interrupted restore into " + o.target() + ": " + o.text());
                    else log.error(o.text());
                });
            }
        }
        return out;
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
            Swap swap = new Swap(pg, store.root());
            swap.pending(p.target()).ifPresent(j -> repairFirst(swap, j));
            pg.dropLeftovers(p.target(), RESTORING).forEach(n -> log.warn("dropped side database of an interrupted restore: " + n));
            Path safety = null;
            if (p.safetyBackup()) {
                log.info("safety backup of " + p.target() + " before restoring");
                safety = new Backup(cfg, log).runLocked(p.target(), new Backup.Options(BackupStore.SAFETY, "quick", false, false)).dump();
            }
            if (p.withGlobals()) applyGlobals(p.backup().globals());
            restoreAndValidate(p, o);
            if (p.targetExists()) swap.run(p.target(), p.restoring(), p.keepAs(), p.backup().dump().getFileName().toString());
            else pg.psql().exec(Pg.MAINTENANCE_DB, "ALTER DATABASE " + Psql.ident(p.restoring()) + " RENAME TO " + Psql.ident(p.target()));
            double secs = Duration.between(start, Instant.now()).toMillis() / 1000.0;
            Duration age = Duration.between(p.backup().manifest().startedAt(), Instant.now());
            log.info("restored " + p.backup().dump().getFileName() + " into " + p.target() + " in " + secs + " s; backup age "
                    + Human.age(age) + (p.targetExists() ? "; previous database kept as " + p.keepAs() : ""));
            return new Result(p, secs, age, safety);
        }
    }

    /** The previous swap into this target was cut short: finish or roll it back before anything else. */
    private void repairFirst(Swap swap, Swap.Journal j) {
        Swap.Outcome o = swap.repair(j);
        if (!o.repaired()) throw new OpsException(ExitCode.RESTORE_FAILED, o.text(), "then run the restore again");
        log.warn("an earlier restore into " + j.target() + " was interrupted at its swap (" + j.step() + "); " + o.text());
    }

    private void restoreAndValidate(Plan p, Options o) {
        DatabaseProperties props = p.targetExists() ? DatabaseProperties.of(pg.psql(), p.target()) : null;
        if (props != null) pg.psql().exec(Pg.MAINTENANCE_DB, props.createStatement(p.restoring()));
        else pg.createDatabase(p.restoring());
        boolean ok = false;
        try {
            new Archive(p.backup().dump(), target, encryption).restoreInto(p.restoring(), o.noOwner(), ExitCode.RESTORE_FAILED);
            try {
                Verifier.requireSameCounts(p.backup().manifest().tables(), pg.rowCounts(p.restoring()), "restored database");
            } catch (OpsException e) {
                throw new OpsException(ExitCode.RESTORE_FAILED, e.getMessage(), "the target was not touched; try another backup", e);
            }
            if (props != null) carryOver(props, p);
            ok = true;
        } finally {
            if (!ok) {
                log.error("restore failed; dropping " + p.restoring() + ", " + p.target() + " untouched");
                try { pg.dropDatabase(p.restoring()); } catch (OpsException e) { log.error("could not drop " + p.restoring() + ": " + e.oneLine()); }
            }
        }
    }

    /** Gives the restored copy the target's database-level properties; refuses the swap if any did not carry over. */
    private void carryOver(DatabaseProperties props, Plan p) {
        props.applyTo(pg.psql(), p.restoring());
        List<String> lost = props.differences(DatabaseProperties.of(pg.psql(), p.restoring()));
        if (!lost.isEmpty()) {
            throw new OpsException(ExitCode.RESTORE_FAILED, "cannot carry " + String.join("; ", lost) + " of " + p.target()
                    + " over to the restored copy", "the target was not touched; set them by hand after restoring into another name (--target-db)");
        }
        log.info("carried over from " + p.target() + ": " + props.summary());
    }

    /**
     * Creates the backup's roles and tablespaces that this server lacks; existing ones are left exactly as they are
     * (replaying their ALTER ROLE would change their login right and password to the backup's).
     */
    private void applyGlobals(Path globals) {
        String script;
        try (InputStream in = Codec.forFile(globals.toString()).decompress(encryption.open(globals))) {
            script = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            throw new OpsException(ExitCode.RESTORE_FAILED, "cannot read globals file " + globals + ": " + e.getMessage(), null);
        }
        Globals g = Globals.onlyMissing(script, names("SELECT rolname AS n FROM pg_roles"), names("SELECT spcname AS n FROM pg_tablespace"));
        if (!g.skipped().isEmpty()) log.info("globals: kept as they are (they exist): " + String.join(", ", g.skipped()));
        if (!g.unknown().isEmpty()) log.warn("globals: left out " + g.unknown().size() + " statements of an unknown kind: " + g.unknown());
        Proc.Result r = Proc.run(target.command("psql", List.of("-X", "-q", "-f", "-")), target.env(Pg.MAINTENANCE_DB),
                Psql.TIMEOUT, new java.io.ByteArrayInputStream(g.sql().getBytes(java.nio.charset.StandardCharsets.UTF_8)), null);
        long errors = r.stderr().lines().filter(l -> l.contains("ERROR")).count();
        if (errors > 0) log.warn("globals applied with " + errors + " errors: " + r.lastError());
        else log.info("globals applied from " + globals.getFileName());
    }

    private java.util.Set<String> names(String query) {
        return pg.psql().query(Pg.MAINTENANCE_DB, query).stream().map(m -> (String) m.get("n")).collect(java.util.stream.Collectors.toSet());
    }
}
