package lib;

import lib.alert.JobAlerts;
import lib.offsite.Offsite;
import lib.volume.VolumeBackup;

import java.util.List;

/**
 * backup.java's jobs over several databases or volumes: each runs in turn, one failing does not stop the
 * others, the exit code is the first failure's, and scheduled runs (not manual, not dry) alert on each outcome.
 * What is printed is the listener's business ({@link Report}, {@code VolumeReport}): it hears of each job as it
 * ends, before its alerts go out, so the operator sees the outcome at once.
 */
public final class BackupRun {
    /** How one job ended: its result, or the failure that stopped it. */
    public record Done<R>(String name, R result, OpsException failure) {
        /** Another run held the lock: nothing was attempted (exit 3), a warning rather than an error. */
        public boolean skipped() { return failure != null && failure.exitCode() == ExitCode.LOCKED; }
    }

    /** Hears of each job as it ends. */
    public interface Listener<R> {
        void done(Done<R> done);
    }

    private final Log log;
    private final JobAlerts alerts;

    public BackupRun(Log log, JobAlerts alerts) {
        this.log = log;
        this.alerts = alerts;
    }

    /**
     * Backs up each database; a failed off-site copy fails the run too, though the local backup is kept.
     * @return the first failure's exit code, or 0
     */
    public int databases(Backup backup, List<String> dbs, Backup.Options o, Listener<Backup.Result> listener) {
        boolean alerting = !o.dryRun() && !o.type().equals("manual");
        int exit = ExitCode.OK;
        for (String db : dbs) {
            Backup.Result r;
            try {
                r = backup.run(db, o);
            } catch (OpsException e) {
                if (e.exitCode() == ExitCode.LOCKED) log.warn("backup of " + db + " skipped: " + e.oneLine());
                else log.error("backup of " + db + " failed: " + e.oneLine());
                exit = first(exit, e);
                listener.done(new Done<>(db, null, e));
                if (alerting) alerts.backup(db, e, false);
                continue;
            }
            listener.done(new Done<>(db, r, null));
            if (alerting) alerts.backup(db, null, o.verify().equals("none"));
            if (r.offsite() != null) {
                exit = first(exit, r.offsite().failure());
                if (alerting) alerts.offsite(db, r.offsite().failure());
            }
        }
        return exit;
    }

    /**
     * --upload-pending: sends each database's sets that never reached the remote, under its lock.
     * @param dbs the databases named, or empty for every one with something pending
     * @return the first failure's exit code, or 0
     */
    public int uploads(Backup backup, List<String> dbs, Listener<Offsite.Outcome> listener) {
        Offsite off = backup.offsite();
        if (off == null) throw new OpsException(ExitCode.USAGE, "REMOTE is not set: there is nowhere to upload to", "set REMOTE in config/ops.env");
        if (dbs.isEmpty()) dbs = backup.store().list(null).stream().filter(off::pending).map(BackupStore.Entry::db).distinct().toList();
        int exit = ExitCode.OK;
        for (String db : dbs) {
            Offsite.Outcome o;
            try (Lock lock = Lock.acquire(backup.store().root(), db, "upload")) {
                o = off.afterBackup(db);
            } catch (OpsException e) {
                o = new Offsite.Outcome(List.of(), List.of(), List.of(), e);
            }
            listener.done(new Done<>(db, o, null));
            exit = first(exit, o.failure());
            alerts.offsite(db, o.failure());
        }
        return exit;
    }

    /**
     * Archives each volume (pgAdmin's data, config/).
     * @return the first failure's exit code, or 0
     */
    public int volumes(VolumeBackup backup, List<String> volumes, String type, boolean dryRun, Listener<VolumeBackup.Result> listener) {
        boolean alerting = !dryRun && !type.equals("manual");
        int exit = ExitCode.OK;
        for (String volume : volumes) {
            try {
                VolumeBackup.Result r = backup.run(volume, type, dryRun);
                listener.done(new Done<>(volume, r, null));
                if (alerting) alerts.backup("volume " + volume, null, false);
            } catch (OpsException e) {
                log.error("archive of volume " + volume + " failed: " + e.oneLine());
                exit = first(exit, e);
                listener.done(new Done<>(volume, null, e));
                if (alerting) alerts.backup("volume " + volume, e, false);
            }
        }
        return exit;
    }

    /** The exit code so far, or the failure's when it is the first. */
    private static int first(int exit, OpsException failure) {
        return failure != null && exit == ExitCode.OK ? failure.exitCode() : exit;
    }
}
