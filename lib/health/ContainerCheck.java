package lib.health;

import lib.Docker;

import java.util.List;

/**
 * 2. The PostgreSQL container exists, runs and Docker calls it healthy. A restart count higher than at
 * the previous run means it crashed and came back in between: a warning, since nobody else would notice.
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
}
