package lib.health;

import lib.Docker;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * 2. The PostgreSQL container exists, runs and Docker calls it healthy. A container still "starting" is
 * given CONTAINER_STARTING_GRACE_SECONDS from its start before that counts as a failure: right after a
 * reboot or a restart it is normal (value "starting": checks that need it are skipped, not failed). A restart count higher than at the previous run means it crashed and
 * came back in between: a warning, since nobody else would notice.
 */
final class ContainerCheck implements Check {
    public String name() { return "container"; }

    public String problem() { return "PostgreSQL container not running or unhealthy"; }

    public List<String> needs() { return List.of("docker"); }

    public CheckResult run(Probe p) {
        String name = p.config().get("DOCKER_CONTAINER");
        Docker.Container c = p.container(name);
        CheckResult r;
        if (!c.running()) {
            r = CheckResult.critical("container " + name + " is " + c.describe(), "start it: docker start " + name
                    + " (docker logs " + name + " shows why it stopped)");
        } else if ("starting".equals(c.health())) {
            r = starting(c, Duration.ofSeconds(p.config().integer("CONTAINER_STARTING_GRACE_SECONDS")));
        } else if (!c.healthy()) {
            r = CheckResult.critical("container " + name + " is " + c.describe(), "docker logs " + name
                    + " and docker inspect " + name + " show why; restart it with docker restart " + name);
        } else {
            r = CheckResult.ok("container " + name + " " + c.describe());
        }
        r.with("status", c.status()).with("health", c.health()).with("restartCount", c.restartCount());
        int before = p.previous(name(), "restartCount").asInt(c.restartCount());
        if (r.status() == Status.OK && c.restartCount() > before) {
            return CheckResult.of(Status.WARNING, "container " + name + " restarted " + (c.restartCount() - before)
                    + " time(s) since the last check (restart count " + c.restartCount() + ")")
                    .action("docker logs " + name + " shows why it restarted (out of memory? crash?)")
                    .with("status", c.status()).with("health", c.health()).with("restartCount", c.restartCount());
        }
        return r;
    }

    /** Still starting: wait within the grace period; past it, it is stuck (an unreadable start time counts as past). */
    private static CheckResult starting(Docker.Container c, Duration grace) {
        long seconds = secondsSinceStart(c);
        String since = seconds < 0 ? "" : " for " + seconds + " s";
        if (seconds >= 0 && seconds <= grace.toSeconds()) {
            return CheckResult.of(Status.WARNING, "container " + c.name() + " is still starting" + since).with("starting", true)
                    .action("wait: it has " + grace.toSeconds() + " s (CONTAINER_STARTING_GRACE_SECONDS) to become healthy;"
                            + " docker logs " + c.name() + " shows its progress");
        }
        return CheckResult.critical("container " + c.name() + " has been starting" + since + ", longer than "
                + grace.toSeconds() + " s (CONTAINER_STARTING_GRACE_SECONDS)", "docker logs " + c.name()
                + " shows why it does not become healthy; fix that, then docker restart " + c.name());
    }

    /** Seconds since Docker started the container, or -1 when its start time cannot be read. */
    private static long secondsSinceStart(Docker.Container c) {
        try {
            return Math.max(0, Duration.between(Instant.parse(c.startedAt()), Instant.now()).toSeconds());
        } catch (DateTimeParseException e) {
            return -1;
        }
    }
}
