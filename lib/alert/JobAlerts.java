package lib.alert;

import lib.ExitCode;
import lib.Log;
import lib.OpsException;
import lib.PgErrors;

import java.util.List;

/**
 * Alerts for scheduled jobs (PRD BAK-09): a failed or unverified backup of a database alerts under its
 * own type ({@code backup:<db>}), rate-limited like the checks, and the next good one sends RECOVERED.
 * Restores do the same under {@code restore:<db>}, off-site copies under {@code offsite:<db>}.
 */
public final class JobAlerts {
    private final Alerts alerts;
    private final Log log;

    public JobAlerts(Alerts alerts, Log log) {
        this.alerts = alerts;
        this.log = log;
    }

    /**
     * A backup of {@code db} ended: {@code failure} null means it succeeded and was verified (or verify was off).
     * A run that gave up waiting for another run's lock (exit 3) was skipped, not failed, and says so.
     */
    public void backup(String db, OpsException failure, boolean unverified) {
        String type = "backup:" + db;
        if (failure != null && failure.exitCode() == ExitCode.LOCKED) {
            send(type, List.of(failed(type, "warning", "backup of " + db + " skipped: another run held the lock", failure,
                    "docs/alerts.md#backups")));
        } else if (failure != null) {
            String title = failure.exitCode() == ExitCode.VERIFY_FAILED ? "backup of " + db + " failed verification"
                    : "backup of " + db + " failed";
            send(type, List.of(failed(type, "critical", title, failure, "docs/alerts.md#backups")));
        } else if (unverified) {
            send(type, List.of(new Alerts.Failure(type, "warning", "backup of " + db + " taken without verification",
                    "VERIFY=none: the backup was not test-restored and does not count as verified",
                    "set VERIFY=full (or quick) in config/ops.env", "docs/alerts.md#backups")));
        } else {
            send(type, List.of());
        }
    }

    /** An off-site copy of {@code db} ended: {@code failure} null means every pending set reached the remote, checked. */
    public void offsite(String db, OpsException failure) {
        String type = "offsite:" + db;
        send(type, failure == null ? List.of()
                : List.of(failed(type, "critical", "off-site copy of " + db + " failed", failure, "docs/alerts.md#off-site")));
    }

    /** A restore into {@code target} ended: {@code failure} null means it succeeded. */
    /** Runs a restore into {@code target} and alerts on how it ended; its failure is passed on. */
    public <T> T restoring(String target, java.util.function.Supplier<T> restore) {
        try {
            T done = restore.get();
            restore(target, null);
            return done;
        } catch (OpsException e) {
            restore(target, e);
            throw e;
        }
    }

    public void restore(String target, OpsException failure) {
        String type = "restore:" + target;
        send(type, failure == null ? List.of()
                : List.of(failed(type, "critical", "restore into " + target + " failed", failure, "docs/alerts.md#restore")));
    }

    /**
     * A drill of {@code db} ended: a FAIL alerts with its reasons, and so does a PASS with findings (it fell back
     * over a damaged backup); the next clean PASS sends RECOVERED.
     */
    public void drill(String db, String result, List<String> problems) {
        String type = "drill:" + db;
        boolean pass = result.equals("PASS");
        send(type, pass && problems.isEmpty() ? List.of() : List.of(new Alerts.Failure(type, "critical",
                pass ? "restore drill of " + db + " passed on an older backup: a newer one is not usable" : "restore drill of " + db + " FAILED",
                log.masked(String.join("; ", problems)), "see the drill's report and docs/DR-RUNBOOK.md", "docs/DR-RUNBOOK.md")));
    }

    /** The recognised cause goes into the title, so the subject alone tells "wrong password" from "no such database". */
    private Alerts.Failure failed(String type, String severity, String title, OpsException e, String runbook) {
        String reason = PgErrors.reason(e);
        return new Alerts.Failure(type, severity, reason == null ? title : title + ": " + reason, log.masked(e.getMessage()),
                e.hint() == null ? null : log.masked(e.hint()), runbook);
    }

    private void send(String type, List<Alerts.Failure> failing) {
        String source = type.substring(0, type.indexOf(':'));
        alerts.report(source, List.of(type), failing).forEach(d -> {
            if (!d.ok()) System.err.println("warning: alert via " + d.channel() + " failed: " + d.error());
        });
    }
}
