package lib.monitor;

import lib.BackupStore;
import lib.Config;
import lib.Metrics;
import lib.Tier;
import lib.alert.Alerts;
import lib.drill.DrillHistory;
import lib.drill.DrillRecord;
import lib.health.CheckResult;
import lib.health.HealthCheck;
import lib.health.HealthReport;

import java.time.Duration;
import java.time.Instant;
import java.util.*;

/**
 * Everything one frame shows, gathered at one moment: the health checks (the same ones health-check runs,
 * without alerts and without writing metrics or state), SELECT 1 latency and container restarts over the
 * last hour from metrics.jsonl, the newest backup of PGDATABASE per tier, and the last drill.
 *
 * @param at       when it was gathered; ages are measured from here
 * @param host     the machine the monitor runs on
 * @param health   the checks' results
 * @param latency  SELECT 1 latency of the health-check runs in the last hour
 * @param restartsLastHour container restarts seen in the last hour, null when unknown (no container, no runs)
 * @param backups  the newest backup of each tier that has one, in tier order
 * @param drill    the newest drill, or null
 */
public record Snapshot(Instant at, String host, HealthCheck.Health health, Latency latency, Integer restartsLastHour,
                       List<BackupStore.Entry> backups, DrillRecord drill) {
    /** How far back latency percentiles and restarts look. */
    public static final Duration WINDOW = Duration.ofHours(1);

    /** Runs every applicable health check, then gathers the rest. */
    public static Snapshot take(Config cfg) {
        HealthCheck checks = new HealthCheck(cfg);
        HealthCheck.Health health = checks.run(checks.select(List.of(), List.of()), new Metrics(cfg.path("LOG_DIR")).last());
        return gather(cfg, health, Instant.now());
    }

    /** Everything but the checks, around the results of a run that just ended. */
    private static Snapshot gather(Config cfg, HealthCheck.Health health, Instant now) {
        RecentRuns recent = RecentRuns.read(new Metrics(cfg.path("LOG_DIR")), now.minus(WINDOW), now);
        Integer restarts = null;
        Optional<Object> count = result(health, "container").map(r -> r.values().get("restartCount"));
        if (count.isPresent() && count.get() instanceof Integer current && recent.lowestRestartCount().isPresent()) {
            restarts = Math.max(0, current - recent.lowestRestartCount().getAsInt());
        }
        List<BackupStore.Entry> all = new BackupStore(cfg.path("BACKUP_DIR")).list(cfg.get("PGDATABASE"));
        List<BackupStore.Entry> newest = new ArrayList<>();
        for (Tier t : Tier.values()) all.stream().filter(e -> e.type().equals(t.id())).findFirst().ifPresent(newest::add);
        DrillRecord drill = new DrillHistory(cfg.path("LOG_DIR")).last().orElse(null);
        return new Snapshot(now, Alerts.host(), health, recent.latency(), restarts, newest, drill);
    }

    /** One check's result, when it ran. */
    public Optional<CheckResult> result(String check) { return result(health, check); }

    private static Optional<CheckResult> result(HealthCheck.Health h, String check) {
        return h.results().stream().filter(r -> check.equals(r.check())).findFirst();
    }

    /** The frame's data for --once --json. */
    public Map<String, Object> json() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("at", at.toString());
        out.put("host", host);
        out.put("status", health.status().label());
        out.put("verdict", HealthReport.verdict(health));
        List<Map<String, Object>> checks = new ArrayList<>();
        for (CheckResult r : health.results()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("check", r.check());
            c.put("status", r.status().label());
            c.put("summary", r.summary());
            c.put("values", r.values());
            checks.add(c);
        }
        out.put("checks", checks);
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("windowSeconds", WINDOW.toSeconds());
        lat.put("samples", latency.samples());
        lat.put("p50Ms", latency.p50());
        lat.put("p95Ms", latency.p95());
        lat.put("p99Ms", latency.p99());
        out.put("selectLatency", lat);
        out.put("restartsLastHour", restartsLastHour);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (BackupStore.Entry e : backups) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("type", e.type());
            b.put("database", e.db());
            b.put("takenAt", e.at().toString());
            b.put("ageSeconds", Duration.between(e.at(), at).toSeconds());
            b.put("bytes", e.size());
            b.put("verified", e.verified());
            b.put("offsite", e.manifest() != null && e.manifest().offsite() != null);
            b.put("state", e.state());
            b.put("file", e.dump().toString());
            rows.add(b);
        }
        out.put("backups", rows);
        out.put("drill", drill);
        return out;
    }
}
