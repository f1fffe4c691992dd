package lib.health;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

/** 4. SELECT 1 over JDBC, result checked and timed; slow answers are a warning. */
final class QueryCheck implements Check {
    public String name() { return "query"; }

    public String problem() { return "database not answering SELECT 1"; }

    public List<String> needs() { return List.of("container"); }

    public CheckResult run(Probe p) throws Exception {
        Connection c = p.sql();
        long start = System.nanoTime();
        int got;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            got = rs.next() ? rs.getInt(1) : -1;
        }
        double ms = (System.nanoTime() - start) / 1e6;
        long warn = p.config().integer("LATENCY_WARN_MS");
        String where = p.endpoint() + "/" + p.config().get("PGDATABASE");
        if (got != 1) return CheckResult.critical("SELECT 1 on " + where + " returned " + got, "the server answered wrongly: check its log");
        CheckResult r = ms > warn
                ? CheckResult.of(Status.WARNING, String.format(java.util.Locale.ROOT, "SELECT 1 on %s took %.0f ms (warning above %d ms)", where, ms, warn))
                        .action("the server or the host is overloaded: see the connections and long-queries checks")
                : CheckResult.ok(String.format(java.util.Locale.ROOT, "SELECT 1 on %s in %.1f ms", where, ms));
        return r.with("latencyMs", Math.round(ms * 10) / 10.0).with("connectMs", p.connectMillis()).with("attempts", p.attempts());
    }
}
