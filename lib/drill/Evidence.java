package lib.drill;

import lib.Config;
import lib.ExitCode;
import lib.Log;
import lib.OpsException;
import lib.alert.JobAlerts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything a finished drill leaves behind: its line in {@code LOG_DIR/drills.jsonl}, its row in the
 * restore-test log (DRILL_LOG), the HTML report when asked for, the log line, and an alert when it failed or
 * fell back over a damaged backup (RECOVERED after the next clean pass). A drill whose evidence cannot be
 * written is itself a failure. A sandbox drill proves nothing about the real system: its evidence goes to a
 * folder of its own, and it never alerts.
 */
public final class Evidence {
    private Evidence() {}

    /** @return paths written, for the summary */
    public static List<Path> record(Config cfg, Log log, DrillRecord d, Path report, JobAlerts alerts) {
        List<Path> written = write(log, d, cfg.path("LOG_DIR"), cfg.path("DRILL_LOG"), report);
        alerts.drill(d.db(), d.result(), d.problems());
        return written;
    }

    /** A sandbox drill's evidence, in a new temporary folder (never LOG_DIR or DRILL_LOG); @return paths written */
    public static List<Path> sandbox(Log log, DrillRecord d, Path report) {
        Path dir;
        try {
            dir = Files.createTempDirectory("ra-sandbox-evidence-");
        } catch (IOException e) {
            throw new OpsException(ExitCode.FAILED, "cannot create a folder for the sandbox's evidence: " + e.getMessage(),
                    "check the temporary folder (java.io.tmpdir) and free space");
        }
        return write(log, d, dir, dir.resolve("restore-test-log.md"), report);
    }

    private static List<Path> write(Log log, DrillRecord d, Path historyDir, Path logFile, Path report) {
        log.info("drill " + d.result() + " (" + d.mode() + ", " + d.scenario() + "): " + d.db() + " from " + d.backup()
                + String.format(java.util.Locale.ROOT, ", RTO %.1f s, RPO %.0f s", d.rtoSeconds(), d.rpoSeconds())
                + (d.problems().isEmpty() ? "" : "; " + String.join("; ", d.problems())));
        DrillHistory history = new DrillHistory(historyDir);
        try {
            history.append(d);
        } catch (IOException e) {
            throw new OpsException(ExitCode.FAILED, "cannot write " + history.file() + ": " + e.getMessage(),
                    "check LOG_DIR and free space; the drill's evidence was not recorded");
        }
        EvidenceLog.append(logFile, d);
        if (report != null) DrillReport.write(report, d, history.all());
        return report == null ? List.of(history.file(), logFile) : List.of(history.file(), logFile, report);
    }
}
