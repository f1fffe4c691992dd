package lib.health;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * 8. Queries running longer than LONG_QUERY_SECONDS and sessions idle in a transaction for longer than
 * IDLE_IN_TRANSACTION_SECONDS (they hold locks and stop vacuum). Our own backups are left out.
 */
final class LongQueriesCheck extends SqlCheck {
    private static final String SQL = """
            SELECT pid, state,
                   floor(extract(epoch FROM now() - CASE WHEN state = 'active' THEN query_start ELSE xact_start END))::bigint AS seconds,
                   left(regexp_replace(query, '\\s+', ' ', 'g'), 80) AS query
              FROM pg_stat_activity
             WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
               AND application_name NOT LIKE 'ra-infrastructure%'
               AND ((state = 'active' AND now() - query_start > make_interval(secs => ?))
                 OR (state LIKE 'idle in transaction%' AND now() - state_change > make_interval(secs => ?)))
             ORDER BY seconds DESC
             LIMIT 10""";

    public String name() { return "long-queries"; }

    public String problem() { return "long-running queries or idle transactions"; }

    public CheckResult run(Probe p) throws Exception {
        int longSecs = p.config().integer("LONG_QUERY_SECONDS");
        int idleSecs = p.config().integer("IDLE_IN_TRANSACTION_SECONDS");
        List<Map<String, Object>> rows = rows(p, SQL, (double) longSecs, (double) idleSecs);
        if (rows.isEmpty()) {
            return CheckResult.ok("none over " + longSecs + " s, no transaction idle over " + idleSecs + " s").with("count", 0);
        }
        List<String> items = new ArrayList<>();
        List<Map<String, Object>> listed = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            items.add("pid " + r.get("pid") + " " + r.get("state") + " " + r.get("seconds") + " s: " + r.get("query"));
            listed.add(Map.of("pid", r.get("pid"), "state", r.get("state"), "seconds", r.get("seconds"),
                    "query", String.valueOf(r.get("query"))));
        }
        return CheckResult.of(Status.WARNING, rows.size() + " session(s): " + String.join("; ", items))
                .action("if it should not run that long: SELECT pg_cancel_backend(<pid>); (pg_terminate_backend ends the session)")
                .with("count", rows.size()).with("sessions", listed);
    }
}
