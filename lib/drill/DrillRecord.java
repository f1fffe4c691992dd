package lib.drill;

import java.time.Instant;
import java.util.List;

/**
 * One drill, as appended to {@code LOG_DIR/drills.jsonl} (one compact JSON object per line) and
 * shown in the HTML report, the evidence log and the monitor.
 *
 * @param startedAt    when the drill started (UTC); RTO is measured from here
 * @param mode         "configured" (the real system's backups) or "sandbox"
 * @param scenario     "restore" for a configured drill; the sandbox scenario otherwise
 * @param db           the database drilled
 * @param backup       file name of the backup restored (null when none could be used)
 * @param backupType   its tier (daily, weekly, ...)
 * @param backupAt     when that backup was taken
 * @param backupBytes  its stored size
 * @param source       "local" or "remote"
 * @param into         where it was restored: "database &lt;name&gt;" or "container &lt;name&gt;"
 * @param rtoSeconds   drill start until the restored copy was validated (until the failure, when it failed)
 * @param rpoSeconds   age of the newest usable backup at drill start; -1 when none was usable
 * @param rtoTargetMinutes RTO_TARGET_MINUTES at the time
 * @param rpoTargetHours   RPO_TARGET_HOURS at the time
 * @param validated    row counts, foreign keys and the user's validation queries all held
 * @param result       "PASS" or "FAIL"
 * @param problems     why it failed, and findings such as a skipped damaged backup
 * @param steps        named timings, in order
 * @param operator     who ran it
 * @param host         where it ran
 */
public record DrillRecord(Instant startedAt, String mode, String scenario, String db, String backup, String backupType,
                          Instant backupAt, long backupBytes, String source, String into, double rtoSeconds,
                          double rpoSeconds, int rtoTargetMinutes, int rpoTargetHours, boolean validated, String result,
                          List<String> problems, List<Step> steps, String operator, String host) {

    /** A timed part of the drill: "choose", "download", "check", "restore", "validate", ... */
    public record Step(String name, double seconds) {}

    /** The same drill with another verdict and findings (a sandbox adds its own comparison). */
    public DrillRecord with(String newResult, List<String> newProblems) {
        return new DrillRecord(startedAt, mode, scenario, db, backup, backupType, backupAt, backupBytes, source, into, rtoSeconds,
                rpoSeconds, rtoTargetMinutes, rpoTargetHours, validated, newResult, List.copyOf(newProblems), steps, operator, host);
    }

    public boolean pass() { return "PASS".equals(result); }

    /** A validated copy within the target: a failed restore never meets it, however fast it failed. */
    public boolean rtoMet() { return validated && rtoSeconds <= rtoTargetMinutes * 60.0; }

    public boolean rpoMet() { return rpoSeconds >= 0 && rpoSeconds <= rpoTargetHours * 3600.0; }
}
