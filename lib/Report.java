package lib;

import java.time.Duration;
import java.time.Instant;
import java.util.*;

/**
 * What the scripts print: a short human summary, or JSON with --json. Runs over several databases
 * continue after a failure; the exit code is the first failure's.
 */
public final class Report {
    private Report() {}

    /** Backs up each database in turn and reports; returns the aggregated exit code. */
    public static int backups(Backup backup, List<String> dbs, Backup.Options o, Log log, boolean json) {
        List<Map<String, Object>> out = new ArrayList<>();
        int exit = ExitCode.OK;
        for (String db : dbs) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("database", db);
            try {
                Backup.Result r = backup.run(db, o);
                row.put("status", o.dryRun() ? "dry-run" : "ok");
                row.put("file", r.dump().toString());
                if (r.manifest() != null) row.put("manifest", r.manifest());
                row.put("estimateBytes", r.estimateBytes());
                row.put(o.dryRun() ? "wouldDelete" : "deleted", (o.dryRun() ? r.wouldPrune() : r.pruned()).stream().map(Object::toString).toList());
                if (!json) System.out.println(human(r, o));
            } catch (OpsException e) {
                log.error("backup of " + db + " failed: " + e.oneLine());
                row.put("status", "failed");
                row.put("error", log.masked(e.oneLine()));
                row.put("exitCode", e.exitCode());
                if (!json) System.err.println("error: " + log.masked(e.oneLine()));
                if (Cli.verbose) e.printStackTrace();
                if (exit == ExitCode.OK) exit = e.exitCode();
            }
            out.add(row);
        }
        if (json) Cli.printJson(Map.of("backups", out, "exitCode", exit));
        return exit;
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
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (BackupStore.Entry e : entries) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("database", e.db());
                r.put("type", e.type());
                r.put("takenAt", e.at().toString());
                r.put("bytes", e.size());
                r.put("verified", e.verified());
                r.put("state", e.state());
                r.put("file", e.dump().toString());
                rows.add(r);
            }
            Cli.printJson(Map.of("backups", rows));
            return ExitCode.OK;
        }
        if (entries.isEmpty()) {
            System.out.println("no backups found");
            return ExitCode.OK;
        }
        System.out.printf("%-20s %-8s %-21s %8s %10s  %s%n", "DATABASE", "TYPE", "TAKEN (UTC)", "AGE", "SIZE", "STATE / FILE");
        for (BackupStore.Entry e : entries) {
            System.out.printf("%-20s %-8s %-21s %8s %10s  %s  %s%n", e.db(), e.type(), e.at(), age(e.at()),
                    Disk.human(e.size()), e.state(), e.dump().getFileName());
        }
        return ExitCode.OK;
    }

    /** "3d 4h", "5h 2m", "12m": compact age for listings and RPO. */
    public static String age(Instant at) {
        Duration d = Duration.between(at, Instant.now());
        if (d.toDays() > 0) return d.toDays() + "d " + d.toHoursPart() + "h";
        if (d.toHours() > 0) return d.toHours() + "h " + d.toMinutesPart() + "m";
        return Math.max(0, d.toMinutes()) + "m";
    }
}
