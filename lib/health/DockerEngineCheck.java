package lib.health;

import lib.Docker;

/** 1. The Docker engine answers (docker mode only). */
final class DockerEngineCheck implements Check {
    public String name() { return "docker"; }

    public String problem() { return "Docker engine not reachable"; }

    public CheckResult run(Probe p) {
        String version = Docker.engineVersion(p.remaining());
        return CheckResult.ok("engine " + version + " answers").with("version", version);
    }
}
