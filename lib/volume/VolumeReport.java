package lib.volume;

import lib.BackupRun;
import lib.Cli;
import lib.Disk;
import lib.ExitCode;
import lib.Human;
import lib.Log;
import lib.OpsException;
import lib.Report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What backup.java --volumes and restore.java --volume print: a short human summary, or JSON with --json.
 * One volume failing does not stop the others; the exit code is the first failure's.
 */
public final class VolumeReport {
    private VolumeReport() {}

    /** Prints each volume's archive as it ends: a summary or the error; with --json one document at the end. */
    public static final class Backups implements BackupRun.Listener<VolumeBackup.Result> {
        private final boolean dryRun;
        private final Log log;
        private final boolean json;
        private final List<Map<String, Object>> rows = new ArrayList<>();

        public Backups(boolean dryRun, Log log, boolean json) {
            this.dryRun = dryRun;
            this.log = log;
            this.json = json;
        }

        @Override
        public void done(BackupRun.Done<VolumeBackup.Result> d) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("volume", d.name());
            if (d.failure() != null) {
                Report.failure(row, d.failure(), false, log, json);
            } else {
                VolumeBackup.Result r = d.result();
                row.put("status", dryRun ? "dry-run" : "ok");
                row.put("file", r.archive().toString());
                row.put("source", r.source());
                row.put("encrypted", r.encrypted());
                if (r.warning() != null) row.put("warning", r.warning());
                if (r.manifest() != null) row.put("manifest", r.manifest());
                row.put(dryRun ? "wouldDelete" : "deleted", (dryRun ? r.wouldPrune() : r.pruned()).stream().map(Path::toString).toList());
                if (!json) System.out.println(human(r, dryRun));
            }
            rows.add(row);
        }

        /** Prints the JSON document (--json) and passes the run's exit code on. */
        public int end(int exit) {
            if (json) Cli.printJson(Map.of("volumes", rows, "exitCode", exit));
            return exit;
        }
    }

    private static String human(VolumeBackup.Result r, boolean dryRun) {
        StringBuilder sb = new StringBuilder();
        if (dryRun) {
            sb.append("dry run: would archive volume ").append(r.volume()).append(" (").append(r.source()).append(") to ")
                    .append(r.archive()).append(r.encrypted() ? ", encrypted" : ", not encrypted");
            if (r.wouldPrune().isEmpty()) sb.append("\nretention: nothing to delete");
            r.wouldPrune().forEach(p -> sb.append("\nretention would delete: ").append(p));
        } else {
            VolumeManifest m = r.manifest();
            sb.append(String.format(Locale.ROOT, "archive of volume %s OK: %s%n  %s stored (%s of tar), %d entries, %.1f s%s; verify %s: %s",
                    r.volume(), r.archive(), Disk.human(m.storedBytes()), Disk.human(m.rawBytes()), m.entries(), m.durationSeconds(),
                    m.encrypted() ? ", encrypted" : "", m.verify().level(), m.verify().status() + " (" + m.verify().detail() + ")"));
            r.pruned().forEach(p -> sb.append("\n  retention deleted ").append(p));
        }
        if (r.warning() != null) sb.append("\n  warning: ").append(r.warning());
        return sb.toString();
    }

    /** The restore plan, for --dry-run and before the prompt. */
    public static int plan(VolumeRestore.Plan p, boolean json) {
        VolumeManifest m = p.archive().manifest();
        if (json) {
            Cli.printJson(Map.of("plan", Map.of("archive", p.archive().archive().toString(), "volume", p.volume(), "target", p.target(),
                    "safetyBackup", p.safetyBackup(), "containerRunning", p.running(), "entries", p.contents().entries()),
                    "archiveAge", Human.age(m.startedAt())));
            return ExitCode.OK;
        }
        System.out.println("archive:  " + p.archive().archive() + "\n          volume " + m.volume() + ", " + m.type() + ", taken "
                + m.startedAt() + " (" + Human.age(m.startedAt()) + " ago) from " + m.source() + ", " + Disk.human(m.storedBytes())
                + ", " + m.entries() + " entries; checksum and every entry read back OK");
        if (p.container() != null) {
            System.out.println("target:   " + p.target() + " (its files are replaced by the archived ones; files the archive lacks stay)");
            if (p.safetyBackup()) System.out.println("safety:   the current data is archived first (type safety)");
            System.out.println("steps:    " + (p.running() ? "docker stop, " : "") + "docker cp - into the container"
                    + (p.running() ? ", docker start" : "") + ", then every entry compared with the archive");
        } else {
            System.out.println("target:   " + p.target() + " (a new folder; config/ is not touched)");
        }
        return ExitCode.OK;
    }

    /** The outcome of a restore, with what to do next. */
    public static int restored(VolumeRestore.Result r, boolean json) {
        VolumeRestore.Plan p = r.plan();
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", "ok");
            out.put("volume", p.volume());
            out.put("archive", p.archive().archive().toString());
            out.put("target", p.target());
            out.put("seconds", r.seconds());
            out.put("safetyBackup", r.safetyArchive() == null ? null : r.safetyArchive().toString());
            out.put("leftInPlace", r.leftInPlace());
            out.put("skippedLinks", r.skippedLinks());
            Cli.printJson(out);
            return ExitCode.OK;
        }
        System.out.printf(Locale.ROOT, "restored %s into %s in %.1f s%n", p.archive().archive().getFileName(), p.target(), r.seconds());
        if (r.safetyArchive() != null) System.out.println("safety archive: " + r.safetyArchive());
        if (!r.leftInPlace().isEmpty()) {
            System.out.println(r.leftInPlace().size() + " entries not in the archive were left in place, e.g. " + r.leftInPlace().get(0));
        }
        r.skippedLinks().forEach(l -> System.out.println("symbolic link not restored: " + l));
        if (p.container() == null) {
            System.out.println("config/ was not touched. Compare, then copy what you need:");
            System.out.println("  git diff --no-index config " + Path.of(p.target()).getFileName());
            System.out.println("  cp " + Path.of(p.target()).getFileName() + "/ops.env config/ops.env");
        }
        return ExitCode.OK;
    }
}
