package lib.health;

import com.fasterxml.jackson.databind.JsonNode;
import lib.*;

import java.sql.SQLException;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;

/**
 * Runs the checks in parallel, each bounded by CHECK_TIMEOUT_SECONDS, so the whole run ends on time even
 * when every target hangs. A check whose prerequisite failed (no engine, so no container) is reported as
 * skipped rather than as a second failure: one cause, one alert.
 */
public final class HealthCheck {
    /** Every check, in the order they are shown. */
    static final List<Check> ALL = List.of(new DockerEngineCheck(), new ContainerCheck(), new ReadyCheck(), new QueryCheck(),
            new PgAdminCheck(), new DiskCheck(), new ConnectionsCheck(), new LongQueriesCheck(), new ReplicationCheck(),
            new BackupsCheck(), new RestoresCheck());
    public static final List<String> NAMES = ALL.stream().map(Check::name).toList();
    /** Daemon threads: a check stuck past the deadline must never keep the process alive. */
    static final ExecutorService DAEMONS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "health-check");
        t.setDaemon(true);
        return t;
    });

    /** The run's outcome: every result, the overall verdict and how long it took. */
    public record Health(List<CheckResult> results, Status status, long millis) {
        public List<CheckResult> problems() {
            return results.stream().filter(r -> r.status() == Status.WARNING || r.status() == Status.CRITICAL).toList();
        }
    }

    private final Config cfg;

    public HealthCheck(Config cfg) { this.cfg = cfg; }

    /** The checks that apply to this configuration, narrowed by --only / --skip (unknown names: exit 2). */
    public List<Check> select(Collection<String> only, Collection<String> skip) {
        for (String n : concat(only, skip)) {
            if (!NAMES.contains(n)) {
                throw new OpsException(ExitCode.USAGE, "unknown check " + n, "checks are " + String.join(", ", NAMES));
            }
        }
        List<Check> out = new ArrayList<>();
        for (Check c : ALL) {
            if (!applies(c) || !only.isEmpty() && !only.contains(c.name()) || skip.contains(c.name())) continue;
            out.add(c);
        }
        return out;
    }

    private boolean applies(Check c) {
        return switch (c.name()) {
            case "docker", "container" -> cfg.dockerMode();
            case "pgadmin" -> cfg.dockerMode() && !cfg.get("PGADMIN_CONTAINER").isBlank() || !cfg.get("PGADMIN_URL").isBlank();
            default -> true;
        };
    }

    /** Problem text of a check, for alert subjects. */
    public static String problem(String check) {
        return ALL.stream().filter(c -> c.name().equals(check)).findFirst().map(Check::problem).orElse(check);
    }

    /** Runs the checks; {@code previous} is the last metrics line (restart counts) or a missing node. */
    public Health run(List<Check> checks, JsonNode previous) {
        long start = System.nanoTime();
        Duration timeout = Duration.ofSeconds(cfg.integer("CHECK_TIMEOUT_SECONDS"));
        Map<String, CheckResult> results = new LinkedHashMap<>();
        try (Probe probe = new Probe(cfg, timeout, previous)) {
            Map<Check, Future<CheckResult>> running = new LinkedHashMap<>();
            for (Check c : checks) running.put(c, DAEMONS.submit(() -> timed(c, probe)));
            long deadline = start + timeout.toNanos() + 300_000_000L;
            running.forEach((c, f) -> results.put(c.name(), await(c, f, deadline, timeout)));
        }
        List<CheckResult> out = new ArrayList<>();
        for (Check c : checks) out.add(skipIfBlocked(c, results));
        Status overall = out.stream().map(CheckResult::status).reduce(Status.OK, Status::worst);
        return new Health(out, overall, (System.nanoTime() - start) / 1_000_000);
    }

    private static CheckResult timed(Check c, Probe probe) {
        long t = System.nanoTime();
        CheckResult r;
        try {
            r = c.run(probe);
        } catch (OpsException e) {
            r = CheckResult.critical(e.getMessage(), e.hint());
        } catch (SQLException e) {
            r = SqlErrors.explain(e, probe);
        } catch (Exception e) {
            r = CheckResult.critical(e.getClass().getSimpleName() + ": " + e.getMessage(), null);
        }
        return r.named(c.name(), (System.nanoTime() - t) / 1_000_000);
    }

    private static CheckResult await(Check c, Future<CheckResult> f, long deadline, Duration timeout) {
        try {
            return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return CheckResult.critical("no answer within " + timeout.toSeconds() + " s",
                    "the target hangs: look at the server or container (docker logs), and at CHECK_TIMEOUT_SECONDS")
                    .named(c.name(), timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CheckResult.critical("interrupted", null).named(c.name(), 0);
        } catch (ExecutionException e) {
            return CheckResult.critical(String.valueOf(e.getCause()), null).named(c.name(), 0);
        }
    }

    /**
     * A failed check whose prerequisite also failed, or is still starting (value "starting"), is reported as
     * skipped, naming the prerequisite.
     */
    private static CheckResult skipIfBlocked(Check c, Map<String, CheckResult> results) {
        CheckResult r = results.get(c.name());
        if (r.status() == Status.OK) return r;
        for (String need : c.needs()) {
            CheckResult n = results.get(need);
            boolean starting = n != null && Boolean.TRUE.equals(n.values().get("starting"));
            if (n != null && (n.status() == Status.CRITICAL || n.status() == Status.SKIPPED || starting)) {
                return new CheckResult(c.name(), Status.SKIPPED, "skipped: " + need + (starting ? " is still starting" : " failed"),
                        Map.of(), null, r.millis());
            }
        }
        return r;
    }

    private static List<String> concat(Collection<String> a, Collection<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
