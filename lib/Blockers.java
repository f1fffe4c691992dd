package lib;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Names the sessions that kept a backup from reading its tables: after a failure, the sessions of the
 * database that have held an ACCESS EXCLUSIVE table lock (the only mode that blocks a reader) for longer
 * than half the lock timeout. A failure with no such session is left as it was.
 */
final class Blockers {
    private Blockers() {}

    static final String QUERY = """
            SELECT a.pid, coalesce(nullif(a.application_name, ''), '(none)') AS application, coalesce(a.state, '?') AS state,
                   coalesce(a.usename::text, '?') AS "user",
                   to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since,
                   string_agg(DISTINCT l.relation::regclass::text, ', ') AS tables
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'relation' AND l.granted AND l.mode = 'AccessExclusiveLock'
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND a.pid <> pg_backend_pid() AND a.xact_start < now() - make_interval(secs => %d)
            GROUP BY 1, 2, 3, 4, 5 ORDER BY 5 LIMIT 3""";

    /**
     * The failure {@code e}, or one that names the blocking sessions (pid, application, state, since when)
     * when some session held a table of {@code db} locked for the lock timeout.
     */
    static OpsException explain(Psql psql, String db, Duration lockTimeout, Duration queryTimeout, OpsException e) {
        List<Map<String, Object>> rows;
        try {
            rows = psql.query(db, QUERY.formatted(lockTimeout.toSeconds() / 2), queryTimeout);
        } catch (OpsException unknown) {
            return e;
        }
        if (rows.isEmpty()) return e;
        String who = rows.stream().map(r -> "pid " + r.get("pid") + " (application " + r.get("application") + ", user " + r.get("user")
                + ", " + r.get("state") + " since " + r.get("since") + ", holds " + r.get("tables") + ")").collect(Collectors.joining("; "));
        return new OpsException(ExitCode.BACKUP_FAILED, "backup of " + db + " gave up after waiting " + lockTimeout.toSeconds()
                + " s for a table lock held by another session: " + who,
                "end that transaction (COMMIT/ROLLBACK in its client, or SELECT pg_terminate_backend(" + rows.get(0).get("pid") + ")), then run the "
                        + "backup again; TABLE_LOCK_TIMEOUT_SECONDS sets the wait", e);
    }
}
