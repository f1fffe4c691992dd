package lib.startup;

import lib.Cli;
import lib.ExitCode;
import lib.alert.Alerts;
import lib.health.HealthReport;
import lib.health.Status;

import java.util.*;

/**
 * What a verify-startup run says: the table (or --json), the closing log line, and the one message it
 * sends: "started OK after reboot" or "startup failed at &lt;step&gt;" with what to do.
 */
public final class StartupReport {
    private static final Map<String, String> LABELS = Map.of("docker", "docker engine", "container", "container",
            "pgadmin", "pgadmin", "ready", "database ready", "health", "health check");

    private StartupReport() {}

    static String label(String step) { return LABELS.getOrDefault(step, step); }

    /** 0 when nothing is critical (warnings included), 1 when a step or the health check failed. */
    public static int exitCode(Startup.Outcome o) { return o.status() == Status.CRITICAL ? ExitCode.FAILED : ExitCode.OK; }

    /**
     * "started OK in 9 s" / "started in 9 s with 1 warning" / "FAILED at database ready after 120 s: ...";
     * a dry run says that nothing was changed and what it would do, never that anything started.
     */
    public static String verdict(Startup.Outcome o) {
        if (o.dryRun()) return dryRunVerdict(o);
        long s = seconds(o);
        Optional<Startup.Step> failed = o.failed();
        if (failed.isPresent()) return "startup FAILED at " + label(failed.get().name()) + " after " + s + " s: " + failed.get().detail();
        return warnings(o).isEmpty() ? "started OK in " + s + " s" : "started in " + s + " s with " + warnings(o);
    }

    private static String dryRunVerdict(Startup.Outcome o) {
        String said = "dry run, nothing was changed: ";
        Optional<Startup.Step> failed = o.failed();
        if (failed.isPresent()) return said + "startup would fail at " + label(failed.get().name()) + ": " + failed.get().detail();
        List<String> would = o.steps().stream().filter(s -> s.status() == Status.SKIPPED && s.detail().startsWith("would "))
                .map(Startup.Step::detail).toList();
        if (!would.isEmpty()) return said + String.join("; ", would);
        return said + "everything is already up" + (warnings(o).isEmpty() ? "" : ", with " + warnings(o));
    }

    /** The event key: a repeated run (boot and logon trigger) with the same outcome is not sent twice. */
    public static String eventKey(Startup.Outcome o) {
        return "startup:" + o.failed().map(Startup.Step::name).orElse("ok");
    }

    /** The message to send, or empty when good news is not wanted (NOTIFY_ON_STARTUP_OK=false). */
    public static Optional<Alerts.Failure> event(Startup.Outcome o, boolean notifyOk) {
        // steps skipped because an earlier one failed say nothing new; a skipped pgAdmin says it is not there
        String steps = String.join("; ", o.steps().stream().filter(s -> s.status() != Status.SKIPPED || s.name().equals("pgadmin"))
                .map(s -> label(s.name()) + " " + s.status().label() + ": " + s.detail()).toList());
        Optional<Startup.Step> failed = o.failed();
        if (failed.isPresent()) {
            Startup.Step f = failed.get();
            return Optional.of(new Alerts.Failure("startup", "critical", "startup after reboot failed at " + label(f.name()) + ": " + f.detail(),
                    steps, f.action(), "docs/alerts.md#startup"));
        }
        if (!notifyOk) return Optional.empty();
        return Optional.of(new Alerts.Failure("startup", "ok", "started OK after reboot, took " + seconds(o) + " s"
                + (warnings(o).isEmpty() ? "" : " (" + warnings(o) + ")"), steps, null, null));
    }

    private static long seconds(Startup.Outcome o) { return Math.round(o.millis() / 1000.0); }

    /** "" / "1 warning" / "2 warnings". */
    private static String warnings(Startup.Outcome o) {
        long n = o.steps().stream().filter(x -> x.status() == Status.WARNING).count();
        return n == 0 ? "" : n + " warning" + (n > 1 ? "s" : "");
    }

    public static void print(Startup.Outcome o, List<Alerts.Delivery> deliveries, boolean json) {
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("status", o.status() == Status.CRITICAL ? "failed" : o.status() == Status.WARNING ? "warning" : "ok");
            out.put("exitCode", exitCode(o));
            out.put("dryRun", o.dryRun());
            out.put("verdict", verdict(o));
            out.put("millis", o.millis());
            out.put("failedStep", o.failed().map(Startup.Step::name).orElse(null));
            List<Map<String, Object>> steps = new ArrayList<>();
            for (Startup.Step s : o.steps()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("step", s.name());
                m.put("status", s.status().label());
                m.put("detail", s.detail());
                m.put("action", s.action());
                m.put("millis", s.millis());
                steps.add(m);
            }
            out.put("steps", steps);
            out.put("health", o.health() == null ? null : HealthReport.metrics(o.health(), Alerts.host()).get("checks"));
            out.put("alerts", deliveries);
            Cli.printJson(out);
            return;
        }
        System.out.printf("%-15s %-9s %7s  %s%n", "STEP", "STATUS", "TIME", "DETAIL");
        for (Startup.Step s : o.steps()) {
            System.out.printf("%-15s %-9s %6.1fs  %s%n", label(s.name()), s.status().label().toUpperCase(Locale.ROOT), s.millis() / 1000.0, s.detail());
            if (s.action() != null && s.status() != Status.OK) System.out.printf("%-15s %-9s %7s  -> %s%n", "", "", "", s.action());
        }
        System.out.println(verdict(o));
        for (Alerts.Delivery d : deliveries) {
            System.out.println("notified via " + d.channel() + ": " + (d.ok() ? "sent " : "FAILED (" + d.error() + ") ") + d.subject());
        }
    }
}
