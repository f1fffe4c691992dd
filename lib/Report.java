package lib;

import lib.offsite.Offsite;
import lib.offsite.Rclone;
import lib.offsite.RemoteStore;
import lib.volume.VolumeSet;

import java.time.Duration;
import java.time.Instant;
import java.util.*;

/**
 * What the scripts print: a short human summary, or JSON with --json. Runs over several databases
 * continue after a failure; the exit code is the first failure's.
 */
public final class Report {
    private Report() {}

    /** Prints each database's backup as it ends: a summary line or the error; with --json one document at the end. */
    public static final class Backups implements BackupRun.Listener<Backup.Result> {
        private final Backup.Options options;
        private final Log log;
        private final boolean json;
        private final List<Map<String, Object>> rows = new ArrayList<>();

        public Backups(Backup.Options options, Log log, boolean json) {
            this.options = options;
            this.log = log;
            this.json = json;
        }

        @Override
        public void done(BackupRun.Done<Backup.Result> d) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("database", d.name());
            if (d.failure() != null) {
                failure(row, d.failure(), d.skipped(), log, json);
            } else {
                Backup.Result r = d.result();
                boolean dry = options.dryRun();
                row.put("status", dry ? "dry-run" : "ok");
                row.put("file", r.dump().toString());
                if (r.manifest() != null) row.put("manifest", r.manifest());
                row.put("estimateBytes", r.estimateBytes());
                row.put(dry ? "wouldDelete" : "deleted", (dry ? r.wouldPrune() : r.pruned()).stream().map(Object::toString).toList());
                if (!r.warnings().isEmpty()) row.put("warnings", r.warnings());
                if (!json) System.out.println(human(r, options));
                if (!json) r.warnings().forEach(w -> System.out.println("  warning: " + w));
                if (r.offsite() != null) {
                    row.put("offsite", offsite(r.offsite(), log));
                    if (!json) System.out.println(offsiteLines(r.offsite(), log));
                }
            }
            rows.add(row);
        }

        /** Prints the JSON document (--json) and passes the run's exit code on. */
        public int end(int exit) {
            if (json) Cli.printJson(Map.of("backups", rows, "exitCode", exit));
            return exit;
        }
    }

    /**
     * A failed job: its row and its one line on stderr.
     * @param skipped another run held the lock, so nothing was attempted: a warning, not an error
     */
    public static void failure(Map<String, Object> row, OpsException e, boolean skipped, Log log, boolean json) {
        row.put("status", skipped ? "skipped" : "failed");
        row.put("error", log.masked(e.oneLine()));
        row.put("exitCode", e.exitCode());
        if (!json) System.err.println((skipped ? "warning: " : "error: ") + log.masked(e.oneLine()));
        if (Cli.verbose) e.printStackTrace();
    }

    /** The off-site step as JSON: sent, deleted, plan and the error, if any. */
    static Map<String, Object> offsite(Offsite.Outcome o, Log log) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", o.failed() ? "failed" : o.plan().isEmpty() ? "ok" : "dry-run");
        m.put("sent", o.sent());
        m.put("deleted", o.deleted());
        if (!o.plan().isEmpty()) m.put("plan", o.plan());
        if (o.failed()) {
            m.put("error", log.masked(o.failure().oneLine()));
            m.put("exitCode", o.failure().exitCode());
        }
        return m;
    }

    static String offsiteLines(Offsite.Outcome o, Log log) {
        StringBuilder sb = new StringBuilder();
        o.plan().forEach(l -> sb.append("  off-site: ").append(l).append('\n'));
        o.sent().forEach(l -> sb.append("  off-site copy verified: ").append(l).append('\n'));
        o.deleted().forEach(l -> sb.append("  remote retention deleted ").append(l).append('\n'));
        if (o.failed()) sb.append("  off-site copy FAILED: ").append(log.masked(o.failure().oneLine())).append('\n')
                .append("  the local backup is kept; after fixing the cause run: " + Launcher.command("backup.java --upload-pending") + "\n");
        return sb.toString().stripTrailing();
    }

    /** Prints --upload-pending's outcome per database as it ends; with --json one document at the end. */
    public static final class Uploads implements BackupRun.Listener<Offsite.Outcome> {
        private final Log log;
        private final boolean json;
        private final List<Map<String, Object>> rows = new ArrayList<>();

        public Uploads(Log log, boolean json) {
            this.log = log;
            this.json = json;
        }

        @Override
        public void done(BackupRun.Done<Offsite.Outcome> d) {
            Offsite.Outcome o = d.result();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("database", d.name());
            row.putAll(offsite(o, log));
            rows.add(row);
            if (!json) System.out.println(d.name() + ": " + (o.sent().isEmpty() && !o.failed() ? "nothing pending" : o.sent().size() + " set(s) sent")
                    + (o.sent().isEmpty() && o.deleted().isEmpty() && !o.failed() ? "" : "\n" + offsiteLines(o, log)));
        }

        /** Says so when nothing was pending, prints the JSON document (--json), and passes the exit code on. */
        public int end(int exit) {
            if (!json && rows.isEmpty()) System.out.println("nothing pending: every backup of an off-site type is on the remote");
            if (json) Cli.printJson(Map.of("uploads", rows, "exitCode", exit));
            return exit;
        }
    }

    /** The --list --remote table (or JSON): every set on the remote, complete or not. */
    public static int remoteListing(String remote, List<RemoteStore.RemoteSet> sets, boolean json) {
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (RemoteStore.RemoteSet s : sets) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("database", s.db());
                r.put("type", s.type());
                r.put("takenAt", s.at().toString());
                r.put("bytes", s.size());
                r.put("complete", s.complete());
                r.put("verified", s.verified());
                r.put("encrypted", s.encrypted());
                r.put("state", s.state());
                r.put("files", s.files().stream().map(f -> Rclone.join(remote, f.path())).toList());
                if (s.manifest() != null && s.manifest().offsite() != null) r.put("uploadedAt", s.manifest().offsite().uploadedAt().toString());
                rows.add(r);
            }
            Cli.printJson(Map.of("remote", remote, "backups", rows));
            return ExitCode.OK;
        }
        if (sets.isEmpty()) {
            System.out.println("no backups found on " + remote);
            return ExitCode.OK;
        }
        System.out.println("remote: " + remote);
        System.out.printf("%-20s %-8s %-21s %8s %10s  %s%n", "DATABASE", "TYPE", "TAKEN (UTC)", "AGE", "SIZE", "STATE / FILE");
        for (RemoteStore.RemoteSet s : sets) {
            System.out.printf("%-20s %-8s %-21s %8s %10s  %s  %s/%s%n", s.db(), s.type(), s.at(), Human.age(s.at()), Disk.human(s.size()),
                    s.state(), s.type(), s.base());
        }
        return ExitCode.OK;
    }

    private static String human(Backup.Result r, Backup.Options o) {
        if (o.dryRun()) {
            StringBuilder sb = new StringBuilder("dry run: would back up " + r.db() + " (" + r.type() + ") to " + r.dump()
                    + ", about " + Disk.human(r.estimateBytes()) + ", verify " + o.verify());
            if (r.wouldPrune().isEmpty()) sb.append("\nretention: nothing to delete");
            r.wouldPrune().forEach(p -> sb.append("\nretention would delete: ").append(p));
            return sb.toString();
        }
        Manifest m = r.manifest();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "backup of %s OK: %s%n  %s stored (%s raw), %d tables, %d rows, %.1f s; verify %s: %s",
                r.db(), r.dump(), Disk.human(m.storedBytes()), Disk.human(m.rawBytes()), m.tables().size(), m.totalRows(),
                m.durationSeconds(), m.verify().level(), m.verify().status() + (m.verify().detail() == null ? "" : " (" + m.verify().detail() + ")")));
        r.pruned().forEach(p -> sb.append("\n  retention deleted ").append(p));
        return sb.toString();
    }

    /** The --list table (or JSON): every backup with type, age, size and verified state. */
    public static int listing(List<BackupStore.Entry> entries, boolean json) {
        return listing(entries, List.of(), json);
    }

    /** As above, with the volume archives (backup.java --volumes) in a table of their own. */
    public static int listing(List<BackupStore.Entry> entries, List<VolumeSet> volumes, boolean json) {
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (BackupStore.Entry e : entries) {
                Manifest m = e.manifest();
                Map<String, Object> r = row("database", e.db(), e.type(), e.at(), e.size(), e.verified(), e.state(), e.dump(),
                        m != null && m.encrypted() ? m.encryptedFor() : null);
                if (m != null && m.offsite() != null) {
                    r.put("offsite", Map.of("remote", m.offsite().remote(), "uploadedAt", m.offsite().uploadedAt().toString(),
                            "file", m.offsite().dir() + "/" + m.offsite().dumpFile()));
                }
                rows.add(r);
            }
            List<Map<String, Object>> volumeRows = new ArrayList<>();
            for (VolumeSet s : volumes) {
                volumeRows.add(row("volume", s.volume(), s.type(), s.at(), s.size(), s.verified(), s.state(), s.archive(),
                        s.manifest() != null && s.manifest().encrypted() ? s.manifest().encryptedFor() : null));
            }
            Cli.printJson(Map.of("backups", rows, "volumes", volumeRows));
            return ExitCode.OK;
        }
        if (entries.isEmpty() && volumes.isEmpty()) {
            System.out.println("no backups found");
            return ExitCode.OK;
        }
        String head = "%-20s %-8s %-21s %8s %10s  %s%n";
        String row = "%-20s %-8s %-21s %8s %10s  %s  %s%n";
        if (!entries.isEmpty()) {
            System.out.printf(head, "DATABASE", "TYPE", "TAKEN (UTC)", "AGE", "SIZE", "STATE / FILE");
            for (BackupStore.Entry e : entries) {
                System.out.printf(row, e.db(), e.type(), e.at(), Human.age(e.at()), Disk.human(e.size()), e.state(), e.dump().getFileName());
            }
        }
        if (!volumes.isEmpty()) {
            if (!entries.isEmpty()) System.out.println();
            System.out.printf(head, "VOLUME", "TYPE", "TAKEN (UTC)", "AGE", "SIZE", "STATE / FILE");
            for (VolumeSet s : volumes) {
                System.out.printf(row, s.volume(), s.type(), s.at(), Human.age(s.at()), Disk.human(s.size()), s.state(), s.archive().getFileName());
            }
        }
        return ExitCode.OK;
    }

    /** One --list --json row; {@code encryptedFor} null for a plain set. */
    private static Map<String, Object> row(String kind, String name, String type, Instant at, long bytes, boolean verified,
                                           String state, java.nio.file.Path file, List<String> encryptedFor) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put(kind, name);
        r.put("type", type);
        r.put("takenAt", at.toString());
        r.put("bytes", bytes);
        r.put("verified", verified);
        r.put("state", state);
        r.put("file", file.toString());
        if (encryptedFor != null) r.put("encryptedFor", encryptedFor);
        return r;
    }

    /** The restore plan, for --dry-run and before the prompt. */
    public static int restorePlan(Restore.Plan p, boolean json) {
        Manifest m = p.backup().manifest();
        if (json) {
            Cli.printJson(Map.of("plan", p, "backupAge", Human.age(m.startedAt())));
            return ExitCode.OK;
        }
        System.out.println("backup:   " + p.backup().dump() + "\n          " + m.database() + ", " + m.type() + ", taken "
                + m.startedAt() + " (" + Human.age(m.startedAt()) + " ago), " + Disk.human(m.storedBytes()) + ", " + m.tables().size()
                + " tables, " + m.totalRows() + " rows; checksum and archive listing OK");
        System.out.println("target:   " + p.target() + (p.targetExists() ? " (exists: it will be replaced)" : " (new database)"));
        if (p.safetyBackup()) System.out.println("safety:   a backup of " + p.target() + " is taken first (type safety)");
        if (p.withGlobals()) System.out.println("globals:  roles and tablespaces replayed first");
        System.out.println("steps:    restore into " + p.restoring() + ", check row counts, then "
                + (p.targetExists() ? "rename " + p.target() + " -> " + p.keepAs() + " and " : "") + p.restoring() + " -> " + p.target());
        return ExitCode.OK;
    }

    /** The outcome of a restore, with the time taken (RTO) and the backup's age (RPO). */
    public static int restored(Restore.Result r, boolean json) {
        Restore.Plan p = r.plan();
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", "ok");
            out.put("target", p.target());
            out.put("backup", p.backup().dump().toString());
            out.put("seconds", r.seconds());
            out.put("backupAgeSeconds", r.backupAge().toSeconds());
            out.put("keptAs", p.targetExists() ? p.keepAs() : null);
            out.put("safetyBackup", r.safetyBackup() == null ? null : r.safetyBackup().toString());
            Cli.printJson(out);
            return ExitCode.OK;
        }
        System.out.printf(Locale.ROOT, "restored %s into %s in %.1f s (backup age %s)%n", p.backup().dump().getFileName(),
                p.target(), r.seconds(), Human.age(r.backupAge()));
        if (r.safetyBackup() != null) System.out.println("safety backup: " + r.safetyBackup());
        if (p.targetExists()) {
            System.out.println("the previous database is kept as " + p.keepAs() + "; when no longer needed:");
            System.out.println("  psql -d postgres -c 'DROP DATABASE " + Psql.ident(p.keepAs()) + "'");
        }
        return ExitCode.OK;
    }
}
