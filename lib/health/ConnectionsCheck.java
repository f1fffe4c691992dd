package lib.health;

import java.util.Locale;
import java.util.Map;

/** 7. Client connections in use against max_connections. */
final class ConnectionsCheck extends SqlCheck {
    public String name() { return "connections"; }

    public String problem() { return "connection slots running out"; }

    public CheckResult run(Probe p) throws Exception {
        Map<String, Object> row = rows(p, "SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS used,"
                + " current_setting('max_connections')::int AS max").get(0);
        long used = num(row, "used");
        long max = num(row, "max");
        double pct = 100.0 * used / max;
        int warn = p.config().integer("CONNECTIONS_WARN_PERCENT");
        int crit = p.config().integer("CONNECTIONS_CRITICAL_PERCENT");
        Status s = pct >= crit ? Status.CRITICAL : pct >= warn ? Status.WARNING : Status.OK;
        CheckResult r = CheckResult.of(s, String.format(Locale.ROOT, "%d of %d connections in use (%.0f%%)", used, max, pct)
                + (s == Status.OK ? "" : " (warning at " + warn + "%, critical at " + crit + "%)"));
        if (s != Status.OK) {
            r = r.action("find who holds them: SELECT usename, application_name, state, count(*) FROM pg_stat_activity GROUP BY 1,2,3;"
                    + " close idle clients or use a connection pool");
        }
        return r.with("used", used).with("max", max).with("percent", Math.round(pct * 10) / 10.0);
    }
}
