package lib.health;

import lib.Cli;
import lib.ExitCode;
import lib.alert.Alerts;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.*;

/**
 * What a health-check run says: the table (or --json), the one log line, the metrics record, and the
 * failures handed to the alerts.
 */
public final class HealthReport {
    private HealthReport() {}

    /** 0 healthy (warnings included), 1 unhealthy. */
    public static int exitCode(HealthCheck.Health h) { return h.status() == Status.CRITICAL ? ExitCode.FAILED : ExitCode.OK; }

    /** "healthy", "healthy, 2 warnings", "UNHEALTHY: 1 critical, 1 warning". */
    public static String verdict(HealthCheck.Health h) {
        long crit = count(h, Status.CRITICAL);
        long warn = count(h, Status.WARNING);
        String w = warn == 0 ? "" : warn + " warning" + (warn > 1 ? "s" : "");
        if (crit > 0) return "UNHEALTHY: " + crit + " critical" + (warn > 0 ? ", " + w : "");
        return warn > 0 ? "healthy, " + w : "healthy";
    }

    /** healthy, warning or unhealthy: the status word of --json and metrics.jsonl. */
    static String statusLabel(HealthCheck.Health h) {
        return h.status() == Status.CRITICAL ? "unhealthy" : h.status() == Status.WARNING ? "warning" : "healthy";
    }

    /** The one line per run in health-check.log: the verdict and each problem's summary. */
    public static String logLine(HealthCheck.Health h) {
        StringBuilder sb = new StringBuilder(verdict(h)).append(" (").append(h.results().size()).append(" checks in ")
                .append(h.millis()).append(" ms)");
        for (CheckResult r : h.problems()) sb.append("; ").append(r.check()).append(' ').append(r.status().label()).append(": ").append(r.summary());
        return sb.toString();
    }

    /** The metrics.jsonl record: every check's status, time and measured values. */
    public static Map<String, Object> metrics(HealthCheck.Health h, String host) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ts", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        m.put("source", "health-check");
        m.put("host", host);
        m.put("status", statusLabel(h));
        m.put("millis", h.millis());
        Map<String, Object> checks = new LinkedHashMap<>();
        for (CheckResult r : h.results()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("status", r.status().label());
            c.put("millis", r.millis());
            c.put("values", r.values());
            checks.put(r.check(), c);
        }
        m.put("checks", checks);
        return m;
    }

    /** Warnings and criticals as alert failures (type = check name), with the runbook section of each. */
    public static List<Alerts.Failure> failures(HealthCheck.Health h) {
        return h.problems().stream().map(r -> new Alerts.Failure(r.check(), r.status().label(), HealthCheck.problem(r.check()),
                r.summary(), r.action(), "docs/alerts.md#" + r.check())).toList();
    }

    /** The types this run evaluated: skipped checks say nothing about recovery. */
    public static List<String> scope(HealthCheck.Health h) {
        return h.results().stream().filter(r -> r.status() != Status.SKIPPED).map(CheckResult::check).toList();
    }

    public static void print(HealthCheck.Health h, List<Alerts.Delivery> deliveries, String ping, boolean json) {
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", statusLabel(h));
            out.put("exitCode", exitCode(h));
            out.put("millis", h.millis());
            List<Map<String, Object>> checks = new ArrayList<>();
            for (CheckResult r : h.results()) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("check", r.check());
                c.put("status", r.status().label());
                c.put("summary", r.summary());
                c.put("action", r.action());
                c.put("millis", r.millis());
                c.put("values", r.values());
                checks.add(c);
            }
            out.put("checks", checks);
            out.put("alerts", deliveries);
            out.put("ping", ping);
            Cli.printJson(out);
            return;
        }
        System.out.printf("%-13s %-9s %7s  %s%n", "CHECK", "STATUS", "TIME", "DETAIL");
        for (CheckResult r : h.results()) {
            System.out.printf("%-13s %-9s %5dms  %s%n", r.check(), r.status().label().toUpperCase(Locale.ROOT), r.millis(), r.summary());
            if (r.action() != null && r.status() != Status.OK) System.out.printf("%-13s %-9s %7s  -> %s%n", "", "", "", r.action());
        }
        System.out.println(verdict(h) + " (" + h.millis() + " ms)" + (h.status() == Status.WARNING ? "; warnings alone exit 0" : ""));
        for (Alerts.Delivery d : deliveries) {
            System.out.println("alert via " + d.channel() + ": " + (d.ok() ? "sent " : "FAILED (" + d.error() + ") ") + d.subject());
        }
        if (ping != null) System.out.println("dead-man ping: " + ping);
    }

    private static long count(HealthCheck.Health h, Status s) {
        return h.results().stream().filter(r -> r.status() == s).count();
    }
}
