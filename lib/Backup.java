package lib;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import lib.crypt.Encryption;
import lib.offsite.Offsite;

/**
 * One database's backup, start to finish: checks, consistent snapshot, streaming dump, globals,
 * verification, commit (manifest last), then retention of the tier. Shared by backup.java, the
 * safety backup of restore.java and the drill.
 */
public final class Backup {
    /** What to do: backup type, verification level, role passwords in globals, dry run. */
    public record Options(String type, String verify, boolean rolePasswords, boolean dryRun) {}

    /**
     * What happened. {@code manifest} is null on a dry run or a failure before commit; {@code offsite} is null
     * when the type does not go off-site.
     */
    public record Result(String db, String type, Path dump, Manifest manifest, long estimateBytes,
                         List<Path> pruned, List<Path> wouldPrune, Offsite.Outcome offsite, List<String> warnings) {}

    private final Config cfg;
    private final Log log;
    private final PgTarget target;
    private final Pg pg;
    private final BackupStore store;
    private final Encryption encryption;
    private final Offsite offsite;

    public Backup(Config cfg, Log log) {
        this.cfg = cfg;
        this.log = log;
        this.target = new PgTarget(cfg);
        this.pg = new Pg(target);
        this.store = new BackupStore(cfg.path("BACKUP_DIR"));
        this.encryption = Encryption.from(cfg);
        this.offsite = Offsite.from(cfg, log, encryption);
    }

    /** Takes the database's lock (waiting up to LOCK_WAIT_SECONDS for a run that holds it), then backs it up. */
    public Result run(String db, Options o) {
        if (o.dryRun()) return runLocked(db, o);
        Duration wait = Duration.ofSeconds(cfg.integer("LOCK_WAIT_SECONDS"));
        try (Lock lock = Lock.acquire(store.root(), db, "backup", wait, holder -> log.info("backup of " + db + " (" + o.type()
                + ") waits up to " + wait.toSeconds() + " s for the run that holds its lock (" + holder + ")"))) {
            if (!lock.takenOverFrom().isBlank()) log.warn("took over the lock of a run that ended without releasing it ("
                    + lock.takenOverFrom() + ")");
            return runLocked(db, o);
        }
    }

    /** Backs up {@code db}; the caller holds its lock (or this is a dry run). */
    public Result runLocked(String db, Options o) {
        Path dir = store.tierDir(o.type());
        if (encryption.local() && !o.verify().equals("none")) encryption.key("verifying an encrypted backup (ENCRYPT=all)");
        boolean offsiteType = offsite != null && offsite.covers(o.type());
        if (o.dryRun()) {
            pg.serverVersion(db);
            long estimate = estimate(db, () -> pg.databaseSize(db));
            Disk.require(dir, estimate, "the backup of " + db);
            List<BackupStore.Entry> all = store.list(db);
            Retention.Plan plan = Retention.plan(all, o.type(), cfg, this::held);
            Path dump = dir.resolve(BackupStore.baseName(db, o.type(), Instant.now()) + ".dump"
                    + Codec.parse(cfg.get("COMPRESSION")).extension() + (encryption.local() ? Encryption.SUFFIX : ""));
            return new Result(db, o.type(), dump, null, estimate, List.of(),
                    plan.delete().stream().flatMap(e -> e.files().stream()).toList(), offsiteType ? offsite.plan(db, o.type(), dump) : null,
                    setWarnings(all, db));
        }
        reachable(db);
        store.cleanPartials(db).forEach(p -> log.warn("removed temp file of an interrupted run: " + p));
        Taken t = take(db, o, dir);
        if (!t.manifest().verified() && !o.verify().equals("none")) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "backup of " + db + " failed verification: "
                    + t.manifest().verify().detail() + "; retention skipped", "the files are kept for inspection; check " + log.file());
        }
        Path written = dir.resolve(t.manifest().dumpFile());
        List<BackupStore.Entry> all = store.list(db);
        List<String> warnings = setWarnings(all, db);
        // The set just written is never pruned by its own run, whatever the stamps around it say.
        Retention.Plan plan = Retention.plan(all, o.type(), cfg, e -> e.dump().equals(written) || held(e));
        List<Path> pruned = Retention.apply(plan, log);
        return new Result(db, o.type(), written, t.manifest(), t.estimate(), pruned, List.of(),
                offsiteType ? offsite.afterBackup(db) : null, warnings);
    }

    /** Sets dated in the future (warnings for the output and the log) and foreign manifests (logged). */
    private List<String> setWarnings(List<BackupStore.Entry> all, String db) {
        List<String> w = Retention.futureWarning(all, db, Instant.now()).stream().toList();
        w.forEach(log::warn);
        // A set whose manifest names files outside itself is ignored by retention and restore: say so where it is found.
        all.stream().filter(e -> e.foreign() != null).forEach(e -> log.warn("ignored the manifest of " + e.dump().getFileName() + ": " + e.state()));
        return w;
    }

    /**
     * A first bounded contact (COMMAND_TIMEOUT_SECONDS): a frozen Docker engine or a server that does not answer
     * fails here with a clear error, instead of hanging the run while it holds the database's lock.
     */
    private void reachable(String db) {
        pg.psql().value(db, "SELECT 1", commandTimeout());
    }

    /** Local retention holds sets that have not reached the remote yet. */
    private boolean held(BackupStore.Entry e) { return offsite != null && offsite.pending(e); }

    /** The off-site step, or null when REMOTE is not set (for --upload-pending). */
    public Offsite offsite() { return offsite; }

    public BackupStore store() { return store; }

    private record Taken(Manifest manifest, long estimate) {}

    /** Rough size of the new backup: the last one's size, else half the database's size. */
    private long estimate(String db, java.util.function.LongSupplier databaseSize) {
        return store.list(db).stream().filter(e -> e.manifest() != null).findFirst()
                .map(e -> e.manifest().storedBytes() * 5 / 4)
                .orElseGet(() -> databaseSize.getAsLong() / 2);
    }

    /**
     * Dump, globals, verification and commit. The snapshot session is the first contact with the server
     * (version, size, space check); the dump streams in this thread while row counts (same snapshot),
     * globals, the pg_dump version and the cleanup of interrupted runs' scratch databases go on beside it.
     */
    private Taken take(String db, Options o, Path dir) {
        Codec codec = Codec.parse(cfg.get("COMPRESSION"));
        ExecutorService side = Executors.newFixedThreadPool(4, r -> { Thread t = new Thread(r, "backup-side"); t.setDaemon(true); return t; });
        Path dumpTmp = null;
        Path globalsTmp = null;
        boolean committed = false;
        try {
            Future<List<String>> leftovers = side.submit(() -> pg.dropLeftovers(db, Verifier.SCRATCH));
            Instant start;
            String base;
            String dumpName;
            String globalsName;
            long estimate;
            String serverVersion;
            ArchiveWriter dumped;
            List<Manifest.TableCount> counts;
            Future<ArchiveWriter> g;
            Future<String> dumpVersion;
            try (Pg.Snapshot snap = pg.snapshot(db)) {
                // Row counts take table locks too: a table held by another session fails the run, never hangs it.
                snap.value("SET lock_timeout = '" + tableLockTimeout().toSeconds() + "s'");
                serverVersion = snap.value("SHOW server_version");
                estimate = estimate(db, () -> Long.parseLong(snap.value("SELECT pg_database_size(current_database())")));
                Disk.require(dir, estimate, "the backup of " + db);
                start = Instant.now();
                base = uniqueBase(dir, db, o.type(), start);
                String gpg = encryption.local() ? Encryption.SUFFIX : "";
                dumpName = base + ".dump" + codec.extension() + gpg;
                globalsName = base + ".globals.sql" + codec.extension() + gpg;
                dumpTmp = SafeFiles.partial(dir.resolve(dumpName));
                globalsTmp = SafeFiles.partial(dir.resolve(globalsName));
                SafeFiles.createDirectories(dir);
                log.info("backup of " + db + " (" + o.type() + ") from " + target.describe() + " started");
                Future<List<Manifest.TableCount>> counting = side.submit(snap::rowCounts);
                Path gTmp = globalsTmp;
                g = side.submit(() -> write(gTmp, codec, "pg_dumpall", globalsArgs(o), null, "pg_dumpall --globals-only"));
                dumpVersion = side.submit(() -> pg.programVersion("pg_dump"));
                dumped = write(dumpTmp, codec, "pg_dump", List.of("-Fc", "-Z0", "--snapshot=" + snap.id(),
                        "--lock-wait-timeout=" + tableLockTimeout().toSeconds() + "s"), db, "pg_dump of " + db);
                counts = await(counting);
            } catch (OpsException e) {
                throw e.exitCode() == ExitCode.BACKUP_FAILED ? Blockers.explain(pg.psql(), db, tableLockTimeout(), commandTimeout(), e) : e;
            }
            ArchiveWriter globalsWriter = await(g);
            Instant end = Instant.now();
            Manifest m = new Manifest(Manifest.FORMAT, db, o.type(), dumpName, globalsName, codec.toString(), target.docker() ? "docker" : "direct",
                    target.describe(), serverVersion, await(dumpVersion), start, end,
                    Duration.between(start, end).toMillis() / 1000.0, dumped.rawBytes(), dumped.storedBytes(),
                    dumped.sha256(), globalsWriter.sha256(), o.rolePasswords(), counts, null,
                    encryption.local() ? encryption.fingerprints() : null, null);
            await(leftovers).forEach(n -> log.warn("dropped scratch database of an interrupted run: " + n));
            m = m.withVerify(new Verifier(pg, log).verify(o.verify(), new Archive(dumpTmp, target, encryption), m));
            SafeFiles.commit(dumpTmp, dir.resolve(dumpName));
            SafeFiles.commit(globalsTmp, dir.resolve(globalsName));
            SafeFiles.write(dir.resolve(base + ".manifest.json"), m.toJson());
            committed = true;
            log.info("backup of " + db + " written: " + dir.resolve(dumpName) + " (" + Disk.human(m.storedBytes()) + " from "
                    + Disk.human(m.rawBytes()) + ", " + m.tables().size() + " tables, " + m.totalRows() + " rows, "
                    + m.durationSeconds() + " s), verify " + m.verify().status());
            return new Taken(m, estimate);
        } catch (IOException e) {
            throw Disk.explain(e, dir);
        } finally {
            side.shutdown();
            awaitQuietly(side);
            if (!committed) {
                if (dumpTmp != null) SafeFiles.deleteQuietly(dumpTmp);
                if (globalsTmp != null) SafeFiles.deleteQuietly(globalsTmp);
            }
        }
    }

    /** Runs a pg program and streams its stdout through compression and hashing into {@code tmp}. */
    private ArchiveWriter write(Path tmp, Codec codec, String program, List<String> args, String db, String what)
            throws IOException {
        ArchiveWriter w = new ArchiveWriter(tmp, codec, encryption.local() ? encryption.recipients() : null);
        Proc.Result r;
        try (Progress p = new Progress(what, w::rawBytes)) {
            r = Proc.runWatched(target.command(program, args), target.env(db), Duration.ofSeconds(cfg.integer("STALL_SECONDS")), w);
        } catch (UncheckedIOException e) {
            closeQuietly(w);
            throw Disk.explain(e.getCause(), tmp);
        } catch (OpsException e) {
            closeQuietly(w);
            throw new OpsException(e.exitCode(), what + ": " + e.getMessage(), e.hint(), e);
        } catch (RuntimeException e) {
            closeQuietly(w);
            throw e;
        }
        try {
            w.close();
        } catch (IOException e) {
            throw Disk.explain(e, tmp);
        }
        if (!r.ok()) throw PgErrors.explain(target, program, what, r, ExitCode.BACKUP_FAILED);
        return w;
    }

    private Duration tableLockTimeout() { return Duration.ofSeconds(cfg.integer("TABLE_LOCK_TIMEOUT_SECONDS")); }

    private Duration commandTimeout() { return Duration.ofSeconds(cfg.integer("COMMAND_TIMEOUT_SECONDS")); }

    private static List<String> globalsArgs(Options o) {
        List<String> args = new ArrayList<>(List.of("--globals-only"));
        if (!o.rolePasswords()) args.add("--no-role-passwords");
        return args;
    }

    /** The result of a side task; its failure surfaces as it was thrown there. */
    private static <T> T await(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpsException(ExitCode.FAILED, "interrupted", null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof IOException io) throw io;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** After a failure, lets side tasks finish before their temp files are removed. */
    private static void awaitQuietly(ExecutorService side) {
        try {
            side.awaitTermination(2, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(ArchiveWriter w) {
        try {
            w.close();
        } catch (IOException ignored) {
            // the original failure is what gets reported
        }
    }

    private static boolean taken(Path dir, String base) {
        if (Files.exists(dir.resolve(base + ".manifest.json"))) return true;
        return BackupStore.DUMP_SUFFIXES.stream().anyMatch(s -> Files.exists(dir.resolve(base + s)));
    }

    /** Names carry seconds; a second run within the same second waits for the next one. */
    private static String uniqueBase(Path dir, String db, String type, Instant at) {
        Instant t = at;
        while (taken(dir, BackupStore.baseName(db, type, t))) {
            t = t.plusSeconds(1);
        }
        if (t.isAfter(at)) {
            try {
                Thread.sleep(Duration.between(Instant.now(), t).toMillis() + 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return BackupStore.baseName(db, type, t);
    }
}
