package lib.alert;

import lib.Cli;
import lib.ExitCode;
import lib.Log;
import lib.OpsException;

import java.time.Duration;
import java.util.*;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** Output of --test-alert and of the dead-man ping. */
public final class AlertReport {
    private AlertReport() {}

    /**
     * Sends a test through every channel and the ping, prints each result.
     * @return 0 when all worked, 1 when one failed, 2 when nothing is configured
     */
    public static int test(Alerts alerts, Optional<Ping> ping, Log log, boolean json) {
        List<Map<String, Object>> rows = new ArrayList<>();
        Supplier<String> pinged = pingBeside(ping, true, "test ping from --test-alert", log, alerts.deadline());
        for (Alerts.Delivery d : alerts.test("the ra-infrastructure scripts")) {
            rows.add(row(d.channel(), d.ok(), d.ok() ? d.subject() : d.error()));
        }
        String pingResult = pinged.get();
        if (pingResult != null) rows.add(row("ping", pingResult.equals("ok"), pingResult));
        int exit = rows.isEmpty() ? ExitCode.USAGE : rows.stream().allMatch(r -> (Boolean) r.get("ok")) ? ExitCode.OK : ExitCode.FAILED;
        if (json) {
            Cli.printJson(Map.of("channels", rows, "exitCode", exit));
        } else if (rows.isEmpty()) {
            System.err.println("error: no alert channel configured HINT: set SMTP_HOST and ALERT_EMAIL, WEBHOOK_URL or HEALTHCHECK_PING_URL"
                    + " in config/monitoring.env (see config/monitoring.env.example)");
        } else {
            rows.forEach(r -> System.out.printf("%-8s %-6s %s%n", r.get("channel"), (Boolean) r.get("ok") ? "OK" : "FAILED", r.get("detail")));
        }
        return exit;
    }

    private static Map<String, Object> row(String channel, boolean ok, String detail) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("channel", channel);
        m.put("ok", ok);
        m.put("detail", detail);
        return m;
    }

    /**
     * Starts the ping now, beside the alerts, so both end by the same deadline. The supplier gives "ok", the
     * error, or a failure when the ping had no answer within {@code deadline}; null when no ping is configured.
     */
    public static Supplier<String> pingBeside(Optional<Ping> ping, boolean healthy, String summary, Log log, Duration deadline) {
        if (ping.isEmpty()) return () -> null;
        long until = System.nanoTime() + deadline.toNanos();
        CompletableFuture<String> pending = CompletableFuture.supplyAsync(() -> ping(ping.get(), healthy, summary, log),
                r -> Alerts.daemon().newThread(r).start());
        return () -> {
            try {
                return pending.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                String why = "failed: no answer within " + deadline.toSeconds() + " s (ALERT_DEADLINE_SECONDS); pinged again next run";
                log.warn("dead-man ping " + why);
                return why;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "failed: interrupted";
            } catch (ExecutionException e) {
                return "failed: " + e.getCause();
            }
        };
    }

    /** Pings success or /fail; a ping that fails is logged and reported, never fatal. Returns "ok" or the error. */
    private static String ping(Ping p, boolean healthy, String summary, Log log) {
        try {
            if (healthy) p.success(summary);
            else p.failure(summary);
            return "ok";
        } catch (OpsException e) {
            log.warn("dead-man ping failed: " + e.oneLine());
            return "failed: " + e.oneLine();
        }
    }
}
