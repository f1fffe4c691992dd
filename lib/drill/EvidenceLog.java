package lib.drill;

import lib.Disk;
import lib.ExitCode;
import lib.OpsException;
import lib.SafeFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * {@code docs/restore-test-log.md} (DRILL_LOG): the restore-test evidence an auditor reads, one Markdown
 * table row per drill, appended by rewriting the whole file atomically so a crash never leaves half a row.
 */
public final class EvidenceLog {
    static final String HEADER = """
            # Restore test log

            Every row is a restore drill run by `dr-drill.java`: the backup was restored into a scratch database or
            container (never the live one) and validated (row counts against the backup's manifest, foreign keys,
            and the queries in `config/validation.sql`). RTO is the time from the drill's start to a validated
            database; RPO is the age of the newest usable backup when the drill started. Full details of each drill:
            `logs/drills.jsonl`; the HTML report when `--report` was given.

            | Date (UTC) | Mode | Database | Backup used | Size | RTO | RPO | Result | Operator | Notes |
            |---|---|---|---|---|---|---|---|---|---|
            """;
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);

    private EvidenceLog() {}

    /** Appends the drill's row, creating the file with its header first. */
    public static void append(Path file, DrillRecord d) {
        try {
            String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : HEADER;
            if (!text.endsWith("\n")) text += "\n";
            Files.createDirectories(file.toAbsolutePath().getParent());
            SafeFiles.write(file, (text + row(d) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new OpsException(ExitCode.FAILED, "cannot write the restore test log " + file + ": " + e.getMessage(),
                    "check DRILL_LOG and the folder's permissions; the drill itself is in drills.jsonl");
        }
    }

    /** One table row; pipes and line breaks in names cannot break the table. */
    static String row(DrillRecord d) {
        String backup = d.backup() == null ? "none usable" : d.backup() + " (" + d.backupType() + ", " + d.source() + ")";
        String rto = minutes(d.rtoSeconds()) + " (target " + d.rtoTargetMinutes() + " min) " + (d.rtoMet() ? "met" : "MISSED");
        String rpo = hours(d.rpoSeconds()) + " (target " + d.rpoTargetHours() + " h) " + (d.rpoMet() ? "met" : "MISSED");
        return "| " + String.join(" | ", DATE.format(d.startedAt()), d.mode() + (d.scenario().equals("restore") ? "" : ": " + d.scenario()),
                cell(d.db()), cell(backup), d.backup() == null ? "-" : Disk.human(d.backupBytes()), rto, rpo,
                "**" + d.result() + "**", cell(d.operator()), cell(String.join("; ", d.problems()))) + " |";
    }

    /** "42.0 s" under a minute, else "12.5 min". */
    static String minutes(double seconds) {
        return seconds < 60 ? String.format(Locale.ROOT, "%.1f s", seconds) : String.format(Locale.ROOT, "%.1f min", seconds / 60);
    }

    /** "35 min" under an hour, else "12.5 h"; "none" when no backup was usable. */
    static String hours(double seconds) {
        if (seconds < 0) return "none";
        return seconds < 3600 ? String.format(Locale.ROOT, "%.0f min", seconds / 60) : String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }

    private static String cell(String s) {
        return s == null || s.isEmpty() ? "-" : s.replace("\\", "\\\\").replace("|", "\\|").replaceAll("[\\r\\n]+", " ");
    }
}
