package lib.drill;

import lib.Config;
import lib.ExitCode;
import lib.Log;
import lib.OpsException;
import lib.alert.JobAlerts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything a finished drill leaves behind: its line in {@code LOG_DIR/drills.jsonl}, its row in the
 * restore-test log (DRILL_LOG), the HTML report when asked for, the log line, and an alert when it failed
 * (RECOVERED after the next pass). A drill whose evidence cannot be written is itself a failure.
 */
public final class Evidence {
    private Evidence() {}

    /** @return paths written, for the summary */
    public static List<Path> record(Config cfg, Log log, DrillRecord d, Path report, JobAlerts alerts) {
        log.info("drill " + d.result() + " (" + d.mode() + ", " + d.scenario() + "): " + d.db() + " from " + d.backup()
                + String.format(java.util.Locale.ROOT, ", RTO %.1f s, RPO %.0f s", d.rtoSeconds(), d.rpoSeconds())
                + (d.problems().isEmpty() ? "" : "; " + String.join("; ", d.problems())));
        DrillHistory history = new DrillHistory(cfg.path("LOG_DIR"));
        try {
            history.append(d);
        } catch (IOException e) {
            throw new OpsException(ExitCode.FAILED, "cannot write " + history.file() + ": " + e.getMessage(),
                    "check LOG_DIR and free space; the drill's evidence was not recorded");
        }
        Path logFile = cfg.path("DRILL_LOG");
        EvidenceLog.append(logFile, d);
        if (report != null) DrillReport.write(report, d, history.all());
        alerts.drill(d.db(), d.result(), d.problems());
        return report == null ? List.of(history.file(), logFile) : List.of(history.file(), logFile, report);
    }
}
