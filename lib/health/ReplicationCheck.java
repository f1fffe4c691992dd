package lib.health;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** 9. Replication lag: of each replica (on a primary) or of this server (on a standby). */
final class ReplicationCheck extends SqlCheck {
    public String name() { return "replication"; }

    public String problem() { return "replication lagging"; }

    public CheckResult run(Probe p) throws Exception {
        int warn = p.config().integer("REPLICATION_LAG_WARN_SECONDS");
        boolean standby = (Boolean) rows(p, "SELECT pg_is_in_recovery() AS standby").get(0).get("standby");
        return standby ? standby(p, warn) : primary(p, warn);
    }

    private CheckResult primary(Probe p, int warn) throws Exception {
        List<Map<String, Object>> rows = rows(p, "SELECT coalesce(application_name, '') AS name, coalesce(client_addr::text, 'local') AS addr,"
                + " state, coalesce(extract(epoch FROM replay_lag), 0)::float8 AS lag FROM pg_stat_replication ORDER BY 1");
        if (rows.isEmpty()) return CheckResult.ok("primary without replicas").with("role", "primary").with("replicas", 0);
        double worst = 0;
        List<String> items = new ArrayList<>();
        boolean notStreaming = false;
        for (Map<String, Object> r : rows) {
            double lag = ((Number) r.get("lag")).doubleValue();
            worst = Math.max(worst, lag);
            notStreaming |= !"streaming".equals(r.get("state"));
            items.add(r.get("name") + "@" + r.get("addr") + " " + r.get("state") + String.format(java.util.Locale.ROOT, " %.1f s", lag));
        }
        Status s = worst > warn || notStreaming ? Status.WARNING : Status.OK;
        CheckResult c = CheckResult.of(s, rows.size() + " replica(s): " + String.join(", ", items));
        if (s != Status.OK) c = c.action("check the replica's log and network; lag warning above " + warn + " s");
        return c.with("role", "primary").with("replicas", rows.size()).with("lagSeconds", worst);
    }

    private CheckResult standby(Probe p, int warn) throws Exception {
        Map<String, Object> r = rows(p, """
                SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8 AS lag,
                       coalesce((SELECT status FROM pg_stat_wal_receiver), 'not receiving') AS receiver""").get(0);
        double lag = ((Number) r.get("lag")).doubleValue();
        boolean receiving = "streaming".equals(r.get("receiver"));
        Status s = lag > warn || !receiving ? Status.WARNING : Status.OK;
        CheckResult c = CheckResult.of(s, String.format(java.util.Locale.ROOT, "standby, WAL receiver %s, replay lag %.1f s",
                r.get("receiver"), lag));
        if (s != Status.OK) c = c.action("check the primary is reachable and the standby's log; lag warning above " + warn + " s");
        return c.with("role", "standby").with("lagSeconds", lag);
    }
}
