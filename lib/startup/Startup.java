package lib.startup;

import lib.*;
import lib.alert.Alerts;
import lib.health.HealthCheck;
import lib.health.HealthReport;
import lib.health.Status;

import java.io.PrintStream;
import java.time.Duration;
import java.util.*;
import java.util.function.Supplier;

/**
 * What verify-startup does after a reboot, step by step: wait for the Docker engine (starting Docker
 * Desktop if it is installed and not running), start the database container and pgAdmin when they are
 * down (AUTO_START), wait until the database is healthy, then run the full health check. A step that
 * fails stops the ones after it, which are reported as skipped; pgAdmin problems are only warnings.
 */
public final class Startup {
    /** One step's outcome; {@code name} is docker, container, pgadmin, ready or health. */
    public record Step(String name, Status status, String detail, String action, long millis) {}

    /**
     * Every step in order, the health check's results (null when it did not run), the total time, and whether
     * it was a dry run (steps that would act are skipped, their detail says "would ...").
     */
    public record Outcome(List<Step> steps, HealthCheck.Health health, long millis, boolean dryRun) {
        public Status status() { return steps.stream().map(Step::status).reduce(Status.OK, Status::worst); }

        /** The first step that failed, if any. */
        public Optional<Step> failed() { return steps.stream().filter(s -> s.status() == Status.CRITICAL).findFirst(); }
    }

    private static final Duration POLL = Duration.ofSeconds(2);
    private static final Duration SHOW_EVERY = Duration.ofSeconds(10);
    private static final Duration DOCKER_CALL = Duration.ofSeconds(15);
    private static final String AGAIN = Launcher.command("verify-startup.java") + " again";

    private final Config cfg;
    private final Log log;
    private final PrintStream progress;
    private final boolean dryRun;
    private final DesktopSession session;

    /**
     * @param progress where "waiting for ..." lines go while a step polls
     * @param dryRun look once at each step, start nothing, write nothing
     * @param session whether Docker Desktop may be launched from this run
     */
    public Startup(Config cfg, Log log, PrintStream progress, boolean dryRun, DesktopSession session) {
        this.cfg = cfg;
        this.log = log;
        this.progress = progress;
        this.dryRun = dryRun;
        this.session = session;
    }

    public Outcome run() {
        long start = System.nanoTime();
        List<Step> steps = new ArrayList<>();
        HealthCheck.Health[] health = {null};
        if (cfg.dockerMode()) {
            step(steps, "docker", this::engine);
            step(steps, "container", () -> container(cfg.get("DOCKER_CONTAINER")));
            if (!cfg.get("PGADMIN_CONTAINER").isBlank()) step(steps, "pgadmin", () -> pgadmin(cfg.get("PGADMIN_CONTAINER")));
        }
        step(steps, "ready", this::ready);
        step(steps, "health", () -> {
            if (dryRun && steps.get(steps.size() - 1).status() == Status.SKIPPED) {
                return wouldDo("health", "would run the full health check once the database is up");
            }
            HealthCheck checks = new HealthCheck(cfg);
            Metrics metrics = new Metrics(cfg.path("LOG_DIR"));
            health[0] = checks.run(checks.select(List.of(), List.of()), metrics.last());
            if (!dryRun) metrics.append(HealthReport.metrics(health[0], Alerts.host()), log);
            return healthResult(health[0]);
        });
        return new Outcome(steps, health[0], millisSince(start), dryRun);
    }

    /** Runs a step unless an earlier one failed; an exception from the step is its failure. */
    private void step(List<Step> steps, String name, Supplier<Step> body) {
        Optional<Step> blocker = steps.stream().filter(s -> s.status() == Status.CRITICAL).findFirst();
        long t = System.nanoTime();
        Step s;
        if (blocker.isPresent()) {
            s = new Step(name, Status.SKIPPED, "skipped: " + StartupReport.label(blocker.get().name()) + " failed", null, 0);
        } else {
            try {
                s = body.get();
            } catch (OpsException e) {
                s = new Step(name, Status.CRITICAL, e.getMessage(), e.hint(), 0);
            }
            s = new Step(s.name(), s.status(), s.detail(), s.action(), millisSince(t));
        }
        log.info(StartupReport.label(name) + " " + s.status().label() + ": " + s.detail());
        steps.add(s);
    }

    private Step engine() {
        Optional<DockerDesktop> desktop = DockerDesktop.from(cfg, log, session);
        String[] version = {null};
        String[] launched = {null};
        long t = System.nanoTime();
        String reason = poll("the Docker engine", Duration.ofSeconds(cfg.integer("DOCKER_WAIT_SECONDS")), () -> {
            try {
                version[0] = Docker.engineVersion(DOCKER_CALL);
                return null;
            } catch (OpsException e) {
                if (e.getMessage().startsWith("cannot run docker")) throw e; // not installed: waiting cannot help
                if (launched[0] == null && desktop.isPresent() && !desktop.get().running()) {
                    DockerDesktop d = desktop.get();
                    launched[0] = dryRun ? d.notStarting().orElse("would start " + d.exe()) : d.start();
                    progress.println(launched[0]);
                }
                return e.getMessage();
            }
        });
        String note = launched[0] == null ? "" : "; " + launched[0];
        if (reason != null) {
            return new Step("docker", Status.CRITICAL, "no answer " + within("DOCKER_WAIT_SECONDS") + ": " + reason + note,
                    "start Docker Desktop (or dockerd) and check DOCKER_HOST / docker context, then run " + AGAIN, 0);
        }
        String answered = "Docker " + version[0] + " answered after " + secondsSince(t) + " s" + note;
        if (DockerOs.of(DOCKER_CALL).equals("windows")) {
            return new Step("docker", Status.WARNING, answered + ", but " + DockerOs.windowsMode(cfg.get("DOCKER_CONTAINER")),
                    DockerOs.SWITCH, 0);
        }
        return ok("docker", answered);
    }

    private Step container(String name) {
        Docker.Container c = Docker.inspect(name, DOCKER_CALL);
        if (c.running()) return ok("container", name + " was already running (" + c.describe() + ")");
        if (!cfg.flag("AUTO_START")) {
            return new Step("container", Status.CRITICAL, name + " is " + c.describe() + " and AUTO_START=false", "docker start " + name, 0);
        }
        if (dryRun) return wouldDo("container", "would start " + name + " (" + c.describe() + ")");
        Docker.start(name, DOCKER_CALL);
        return ok("container", "started " + name + " (was " + c.describe() + ")");
    }

    /** pgAdmin is a convenience: missing or failing to start is a warning, never a failed startup. */
    private Step pgadmin(String name) {
        Docker.Container c;
        try {
            c = Docker.inspect(name, DOCKER_CALL);
        } catch (OpsException e) {
            if (e.getMessage().contains("does not exist")) return new Step("pgadmin", Status.SKIPPED, "no container " + name, null, 0);
            return new Step("pgadmin", Status.WARNING, e.getMessage(), e.hint(), 0);
        }
        if (c.running()) return ok("pgadmin", name + " was already running");
        if (!cfg.flag("AUTO_START")) return new Step("pgadmin", Status.WARNING, name + " is " + c.describe(), "docker start " + name, 0);
        if (dryRun) return wouldDo("pgadmin", "would start " + name + " (" + c.describe() + ")");
        try {
            Docker.start(name, DOCKER_CALL);
            return ok("pgadmin", "started " + name + " (was " + c.describe() + ")");
        } catch (OpsException e) {
            return new Step("pgadmin", Status.WARNING, e.getMessage(), e.hint(), 0);
        }
    }

    /** Docker's health status when the image has a HEALTHCHECK, else pg_isready (inside the container, or here). */
    private Step ready() {
        PgTarget target = new PgTarget(cfg);
        String what = target.docker() ? target.container() : target.describe();
        if (dryRun && target.docker() && !Docker.inspect(target.container(), DOCKER_CALL).running()) {
            return wouldDo("ready", "would wait up to " + cfg.get("STARTUP_WAIT_SECONDS") + " s for " + what
                    + " to become healthy");
        }
        long t = System.nanoTime();
        String reason = poll(what + " to become healthy", Duration.ofSeconds(cfg.integer("STARTUP_WAIT_SECONDS")), () -> {
            if (target.docker()) {
                Docker.Container c = Docker.inspect(target.container(), DOCKER_CALL);
                if (!c.running()) throw stopped(c);
                if (c.health() != null) return c.health().equals("healthy") ? null : c.describe();
            }
            Proc.Result r = Proc.run(target.command("pg_isready", List.of("-t", "3")), target.env(null), DOCKER_CALL);
            return r.ok() ? null : (r.stdout() + " " + r.stderr()).strip().replaceAll("\\s+", " ");
        });
        if (reason == null) return ok("ready", what + " healthy after " + secondsSince(t) + " s");
        String last = target.docker() ? Docker.lastLogLine(target.container(), DOCKER_CALL) : "";
        return new Step("ready", Status.CRITICAL, what + " not healthy " + within("STARTUP_WAIT_SECONDS") + " (" + reason + ")"
                + (last.isEmpty() ? "" : "; last log line: " + last),
                target.docker() ? "docker logs " + target.container() + " shows why; fix it, then run " + AGAIN
                        : "is PostgreSQL running? check its service and PGHOST / PGPORT", 0);
    }

    private OpsException stopped(Docker.Container c) {
        String last = Docker.lastLogLine(c.name(), DOCKER_CALL);
        return new OpsException(ExitCode.FAILED, c.name() + " stopped while starting: " + c.describe()
                + (last.isEmpty() ? "" : "; last log line: " + last), "docker logs " + c.name() + " shows why");
    }

    private static Step healthResult(HealthCheck.Health h) {
        String action = h.problems().stream().filter(r -> r.status() == Status.CRITICAL).map(r -> r.action()).filter(Objects::nonNull)
                .findFirst().orElse(null);
        String detail = HealthReport.logLine(h);
        return new Step("health", h.status(), detail, action == null ? null : action + " (docs/alerts.md)", 0);
    }

    /**
     * Calls {@code attempt} until it returns null (done) or {@code limit} has passed, showing progress.
     * @return null when done, else the last reason it was not
     */
    private String poll(String waitingFor, Duration limit, Supplier<String> attempt) {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        long shown = 0;
        String last = null;
        while (true) {
            String reason = attempt.get();
            if (reason == null) return null;
            long now = System.nanoTime();
            if (dryRun || now >= deadline) return reason;
            if (shown == 0 || now - shown >= SHOW_EVERY.toNanos() || !reason.equals(last)) {
                String line = "waiting for " + waitingFor + ": " + (now - start) / 1_000_000_000 + " s of " + limit.toSeconds() + " s (" + reason + ")";
                progress.println(line);
                log.info(line);
                shown = now;
                last = reason;
            }
            sleep(Math.min(POLL.toNanos(), deadline - now));
        }
    }

    private static void sleep(long nanos) {
        try {
            Thread.sleep(Math.max(1, nanos / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpsException(ExitCode.FAILED, "interrupted while waiting", null);
        }
    }

    private static Step ok(String name, String detail) { return new Step(name, Status.OK, detail, null, 0); }

    /** A dry run's step that would act: skipped, since it did nothing. */
    private static Step wouldDo(String name, String detail) { return new Step(name, Status.SKIPPED, detail, null, 0); }

    /** "within 120 s", or for a dry run, which looks once, "now (a dry run does not wait)". */
    private String within(String waitKey) {
        return dryRun ? "now (a dry run does not wait)" : "within " + cfg.get(waitKey) + " s";
    }

    private static long millisSince(long t) { return (System.nanoTime() - t) / 1_000_000; }

    private static long secondsSince(long t) { return Math.round((System.nanoTime() - t) / 1e9); }
}
