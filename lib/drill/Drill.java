package lib.drill;

import lib.*;
import lib.alert.Alerts;
import lib.offsite.Download;
import lib.offsite.Offsite;
import lib.offsite.RemoteStore;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A restore drill against the configured system: the newest verified backup (or the one chosen) is restored
 * into a {@link Destination} that is never the live database, validated, and timed. A backup that fails its
 * checksum, listing or row counts is reported and the next older verified one is tried, as an operator
 * would. RTO runs from the drill's start to the validated copy; RPO is the age of the backup that worked.
 */
public final class Drill {
    /**
     * What to drill.
     * @param file a backup file or manifest (null: choose by db, type, date)
     * @param fromRemote take the backup from REMOTE (downloaded into BACKUP_DIR/.downloads, removed after)
     */
    public record Options(Path file, String db, String type, LocalDate date, boolean fromRemote) {}

    /** Infix of the scratch database: {@code <db>_drill_<stamp>}. */
    public static final String SCRATCH = "_drill_";
    /**
     * Longest scratch database name: the restore's side copy {@code <scratch>_restoring_<stamp>} then keeps it
     * whole, so an interrupted drill's side copy is still known by its name.
     */
    static final int NAME_BYTES = DbName.room(Restore.RESTORING);
    private final Config cfg;
    private final Log log;
    private final PrintStream out;
    private final List<DrillRecord.Step> steps = new ArrayList<>();
    /** Chooses the backup; its keys (loaded once) also open downloads and restore into the destination. */
    private final Restore chooser;

    public Drill(Config cfg, Log log, PrintStream out) {
        this.cfg = cfg;
        this.log = log;
        this.out = out;
        this.chooser = new Restore(cfg, log);
    }

    /**
     * Runs the drill; every outcome, failures included, comes back as a record (nothing is written here).
     * @param mode "configured" or "sandbox"; {@code scenario} "restore" or the sandbox's scenario
     */
    public DrillRecord run(Options o, Destination dest, String mode, String scenario) {
        Instant start = Instant.now();
        String db = o.db() != null ? o.db() : cfg.get("PGDATABASE");
        // a second drill at the same time is refused (exit 3) before it starts: it is not a failed drill
        try (Lock lock = Lock.acquire(cfg.path("BACKUP_DIR"), "dr-drill", "drill")) {
            return run(o, dest, mode, scenario, start, db);
        }
    }

    private DrillRecord run(Options o, Destination dest, String mode, String scenario, Instant start, String db) {
        List<String> problems = new ArrayList<>();
        BackupStore.Entry used = null;
        boolean validated = false;
        try (Download download = o.fromRemote() ? new Download(cfg.path("BACKUP_DIR"), "drill-" + BackupStore.STAMP.format(start).toLowerCase()) : null) {
            List<BackupStore.Entry> candidates;
            if (download != null) {
                candidates = List.of(fetch(o, db, download));
            } else {
                candidates = step("choose", () -> o.file() != null ? List.of(chooser.choose(o.file(), db, null, null))
                        : chooser.candidates(db, o.type(), o.date()));
            }
            Config target = step("prepare", () -> dest.open(cfg, db));
            Restore restore = target == cfg ? chooser : new Restore(target, log, chooser.encryption());
            used = restoreFirstUsable(candidates, dest, restore, o.file() == null, !o.fromRemote(), problems);
            if (used != null) {
                String restored = dest.database(used.db());
                out.println("validating " + restored + ": foreign keys and " + cfg.get("DRILL_VALIDATION_SQL") + " ...");
                Validation.Outcome v = step("validate", () -> Validation.run(new Pg(new PgTarget(target)), restored,
                        cfg.path("DRILL_VALIDATION_SQL")));
                log.info("validation of " + restored + ": " + v.foreignKeys() + " foreign keys, " + v.queries() + " queries, "
                        + (v.ok() ? "all held" : v.problems().size() + " problem(s)"));
                problems.addAll(v.problems());
                validated = v.ok();
            }
        } catch (OpsException e) {
            log.error("drill failed: " + e.oneLine());
            problems.add(e.oneLine());
        }
        return record(start, Duration.between(start, Instant.now()).toMillis() / 1000.0, mode, scenario, db, used,
                o.fromRemote() ? "remote" : "local", dest, validated, problems);
    }

    /** The scratch database a drill of {@code db} started {@code at} restores into. */
    public static String scratchName(String db, Instant at) {
        return DbName.of(db, SCRATCH, at, NAME_BYTES);
    }

    /** True when {@code name} is exactly the name of a drill's scratch database of {@code db}. */
    static boolean isScratch(String name, String db) {
        return DbName.isOf(name, db, SCRATCH, NAME_BYTES);
    }

    /** True when {@code name} is exactly the side copy a restore into a drill's scratch database of {@code db} makes. */
    static boolean isInterrupted(String name, String db) {
        int scratchEnd = name.length() - Restore.RESTORING.length() - DbName.STAMP_BYTES;
        if (scratchEnd <= 0) return false;
        String scratch = name.substring(0, scratchEnd);
        return isScratch(scratch, db) && DbName.isOf(name, scratch, Restore.RESTORING);
    }

    /** The steps timed so far, in order. */
    public List<DrillRecord.Step> steps() { return List.copyOf(steps); }

    private BackupStore.Entry fetch(Options o, String db, Download download) {
        RemoteStore remote = Offsite.store(cfg, log);
        RemoteStore.RemoteSet set = step("choose", () -> remote.choose(o.file() == null ? null : o.file().toString(), db, o.type(), o.date()));
        return step("download", () -> download.fetch(remote, set, chooser.encryption(), out, log));
    }

    /**
     * Restores the first candidate that passes its checks; damaged ones are findings, not the end of the drill
     * (unless the operator named the file, or the failure is not the backup's fault).
     */
    private BackupStore.Entry restoreFirstUsable(List<BackupStore.Entry> candidates, Destination dest, Restore restore,
                                                 boolean fallBack, boolean local, List<String> problems) {
        for (BackupStore.Entry e : candidates) {
            String as = dest.database(e.db());
            boolean globals = dest.withGlobals() && e.globals() != null && java.nio.file.Files.exists(e.globals());
            Restore.Options opts = new Restore.Options(as, false, globals, false);
            out.println("restoring " + e.dump().getFileName() + " into " + dest.describe() + " ...");
            try {
                step("restore", () -> {
                    Restore.Plan p = restore.plan(e, opts);
                    if (p.targetExists()) {
                        throw new OpsException(ExitCode.USAGE, "the drill's destination database " + as + " already exists",
                                "drop it, or use another destination");
                    }
                    restore.check(p);
                    return restore.execute(p, opts);
                });
                dest.created(as);
                return e;
            } catch (OpsException ex) {
                boolean backupsFault = ex.exitCode() == ExitCode.VERIFY_FAILED || ex.exitCode() == ExitCode.RESTORE_FAILED;
                if (backupsFault && local) markIfDamaged(e, problems);
                if (!backupsFault || !fallBack) throw ex;
                String finding = "backup " + e.dump().getFileName() + " is not usable (" + ex.getMessage() + "); fell back to an older one";
                log.warn(finding);
                out.println("  " + finding);
                problems.add(finding);
            }
        }
        problems.add("no usable backup among " + candidates.size() + " verified one(s)");
        return null;
    }

    /**
     * A backup whose file no longer matches its manifest's checksum is damaged for good: its manifest is marked
     * failed, so that restore, --list, the monitor and health-check stop counting it as verified. Other failures
     * may come from the destination, so they leave the manifest alone.
     */
    private void markIfDamaged(BackupStore.Entry e, List<String> problems) {
        try {
            if (ArchiveWriter.sha256(e.dump()).equalsIgnoreCase(e.manifest().sha256())) return;
        } catch (java.io.IOException ex) {
            return; // unreadable now is not proof of damage
        }
        Instant now = Instant.now();
        String detail = "the restore drill of " + BackupStore.STAMP.format(now) + " found it damaged: its sha256 no longer matches";
        try {
            SafeFiles.write(e.manifestFile(), e.manifest().withVerify(new Manifest.VerifyResult("drill", "failed", now, 0, detail)).toJson());
            log.warn("marked " + e.manifestFile().getFileName() + " as failed: " + detail);
        } catch (RuntimeException ex) {
            problems.add("could not mark the damaged backup " + e.dump().getFileName() + " as failed in its manifest: " + ex.getMessage());
        }
    }

    private DrillRecord record(Instant start, double rto, String mode, String scenario, String db, BackupStore.Entry used,
                               String source, Destination dest, boolean validated, List<String> problems) {
        int rtoTarget = cfg.integer("RTO_TARGET_MINUTES");
        int rpoTarget = cfg.integer("RPO_TARGET_HOURS");
        double rpo = used == null ? -1 : Duration.between(used.manifest().startedAt(), start).toMillis() / 1000.0;
        DrillRecord pre = new DrillRecord(start, mode, scenario, db, null, null, null, 0, source, null, rto, rpo, rtoTarget,
                rpoTarget, validated, "FAIL", problems, steps(), operator(), Alerts.host());
        List<String> all = new ArrayList<>(problems);
        if (validated && !pre.rtoMet()) all.add(String.format(java.util.Locale.ROOT, "RTO %.1f min is over the %d min target", rto / 60, rtoTarget));
        if (used != null && !pre.rpoMet()) all.add(String.format(java.util.Locale.ROOT, "RPO %.1f h is over the %d h target", rpo / 3600, rpoTarget));
        String result = validated && pre.rtoMet() && pre.rpoMet() ? "PASS" : "FAIL";
        return new DrillRecord(start, mode, scenario, db, used == null ? null : used.dump().getFileName().toString(),
                used == null ? null : used.type(), used == null ? null : used.manifest().startedAt(),
                used == null ? 0 : used.manifest().storedBytes(), source, dest.target() == null ? null : dest.describe(), rto, rpo,
                rtoTarget, rpoTarget, validated, result, List.copyOf(all), steps(), operator(), Alerts.host());
    }

    /** DRILL_OPERATOR, else the account running the drill. */
    String operator() {
        String o = cfg.get("DRILL_OPERATOR");
        return o.isBlank() ? System.getProperty("user.name", "unknown") : o;
    }

    private <T> T step(String name, Supplier<T> work) {
        long t0 = System.nanoTime();
        try {
            return work.get();
        } finally {
            steps.add(new DrillRecord.Step(name, (System.nanoTime() - t0) / 1e9));
        }
    }
}
