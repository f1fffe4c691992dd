package lib.alert;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The words of every notification: subjects such as {@code [ALERT] ra-infrastructure - database not
 * answering} and bodies that say which check failed, when, the measured values, the host, what to do
 * and which runbook section to open. Built only from check results, never from configuration.
 */
final class Notices {
    private static final String HOST = hostName();
    private final String prefix;

    Notices(String prefix) { this.prefix = prefix; }

    Message alert(Alerts.Failure f, String event, Instant since, Instant now, List<Alerts.Failure> others) {
        boolean reminder = event.equals("reminder");
        String tag = f.severity().equals("critical") ? "[ALERT]" : "[WARNING]";
        String subject = tag + " " + prefix + " - " + f.title()
                + (reminder ? " (failing for " + Alerts.span(since, now) + ")" : "");
        StringBuilder b = new StringBuilder();
        b.append(reminder ? "STILL FAILING: " : f.severity().equals("critical") ? "ALERT: " : "WARNING: ").append(f.title()).append('\n');
        line(b, "Check", f.type() + " (" + f.severity() + ")");
        line(b, "Time", now.toString());
        line(b, "Failing since", since + (since.equals(now) ? "" : " (" + Alerts.span(since, now) + ")"));
        line(b, "Host", HOST);
        line(b, "Measured", f.detail());
        line(b, "Action", f.action());
        line(b, "Runbook", f.runbook());
        if (!others.isEmpty()) {
            line(b, "Also failing", others.stream().map(o -> o.type() + " (" + o.severity() + ")").collect(Collectors.joining(", ")));
        }
        b.append("\nNext reminder while this persists; a RECOVERED notice follows when it clears.\n");
        return new Message(event, f.severity(), subject, b.toString());
    }

    Message recovered(Map<String, AlertState.Incident> recovered, Instant now) {
        String what = recovered.values().stream().map(i -> i.title).collect(Collectors.joining(", "));
        String subject = "[RECOVERED] " + prefix + " - " + what;
        if (recovered.size() == 1) {
            subject += " (down " + Alerts.span(recovered.values().iterator().next().since, now) + ")";
        }
        StringBuilder b = new StringBuilder("RECOVERED: " + what + "\n");
        line(b, "Time", now.toString());
        line(b, "Host", HOST);
        recovered.forEach((type, inc) -> line(b, type, "failing from " + inc.since + " to " + now + " ("
                + Alerts.span(inc.since, now) + "); last seen: " + inc.detail));
        return new Message("recovered", "ok", subject, b.toString());
    }

    /** A one-off event: [ALERT], [WARNING] or [OK] by severity, what happened, what to do. */
    Message event(Alerts.Failure f, Instant now) {
        String tag = switch (f.severity()) {
            case "critical" -> "[ALERT]";
            case "warning" -> "[WARNING]";
            default -> "[OK]";
        };
        StringBuilder b = new StringBuilder(f.title()).append('\n');
        line(b, "Event", f.type());
        line(b, "Time", now.toString());
        line(b, "Host", HOST);
        line(b, "Detail", f.detail());
        line(b, "Action", f.action());
        line(b, "Runbook", f.runbook());
        return new Message("event", f.severity(), tag + " " + prefix + " - " + f.title(), b.toString());
    }

    Message test(String checkedBy, Instant now) {
        String subject = "[TEST] " + prefix + " - test alert from " + HOST;
        StringBuilder b = new StringBuilder("This is a test message: alerts from " + checkedBy + " reach you through this channel.\n");
        line(b, "Time", now.toString());
        line(b, "Host", HOST);
        return new Message("test", "ok", subject, b.toString());
    }

    private static void line(StringBuilder b, String label, String value) {
        if (value == null || value.isBlank()) return;
        b.append(String.format("%-14s %s%n", label + ":", value));
    }

    static String host() { return HOST; }

    private static String hostName() {
        String env = System.getenv(System.getProperty("os.name").startsWith("Windows") ? "COMPUTERNAME" : "HOSTNAME");
        if (env != null && !env.isBlank()) return env;
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown-host";
        }
    }
}
