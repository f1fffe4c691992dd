package lib.health;

import lib.Docker;
import lib.DockerOs;

/**
 * 1. The Docker engine answers (docker mode only), and runs Linux containers: an engine switched to Windows
 * containers answers too, but the PostgreSQL container is out of its sight (see {@link DockerOs}).
 */
final class DockerEngineCheck implements Check {
    public String name() { return "docker"; }

    public String problem() { return "Docker engine not reachable, or running Windows containers"; }

    public CheckResult run(Probe p) {
        String version = Docker.engineVersion(p.remaining());
        String os = DockerOs.of(p.remaining());
        if (os.equals("windows")) {
            return CheckResult.of(Status.WARNING, "engine " + version + " answers, but "
                    + DockerOs.windowsMode(p.config().get("DOCKER_CONTAINER"))).action(DockerOs.SWITCH)
                    .with("version", version).with("os", os);
        }
        return CheckResult.ok("engine " + version + " answers").with("version", version).with("os", os);
    }
}
