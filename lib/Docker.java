package lib;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the Docker engine says about itself and about containers, through the docker CLI (so DOCKER_HOST,
 * contexts and Docker Desktop's named pipe work exactly as they do for the operator).
 */
public final class Docker {
    /** A container as {@code docker inspect} sees it; {@code health} is null when it has no HEALTHCHECK. */
    public record Container(String name, String status, boolean running, String health, int restartCount,
                            int exitCode, String startedAt) {
        public boolean healthy() { return running && (health == null || health.equals("healthy")); }

        /** "running, healthy", "exited (137)", "running, unhealthy". */
        public String describe() {
            String s = running ? "running" : status + (status.equals("exited") ? " (" + exitCode + ")" : "");
            return health == null || !running ? s : s + ", " + health; // a stopped container keeps its last, stale health
        }
    }

    private Docker() {}

    /** True when a docker CLI error means the engine itself cannot be reached. */
    public static boolean engineDown(String err) {
        return err.contains("Cannot connect to the Docker daemon") || err.contains("error during connect")
                || err.contains("docker daemon is not running") || err.contains("dockerDesktopLinuxEngine")
                || err.contains("connect: no such file or directory");
    }

    public static OpsException engineUnreachable(String detail) {
        return new OpsException(ExitCode.UNAVAILABLE, "the Docker engine is not reachable (" + detail + ")",
                "start Docker Desktop (or dockerd) and check DOCKER_HOST / docker context");
    }

    /** The engine's version, or an exception saying it cannot be reached. */
    public static String engineVersion(Duration timeout) {
        Proc.Result r = Proc.run(List.of("docker", "version", "--format", "{{.Server.Version}}"), Map.of(), timeout);
        if (!r.ok()) throw engineUnreachable(r.lastError());
        return r.stdout().strip();
    }

    /** The engine's operating system as {@code docker info} names it ("Docker Desktop" there), or "" when it does not answer. */
    public static String operatingSystem(Duration timeout) {
        Proc.Result r = Proc.run(List.of("docker", "info", "--format", "{{.OperatingSystem}}"), Map.of(), timeout);
        return r.ok() ? r.stdout().strip() : "";
    }

    /**
     * The folder on this machine that holds Docker Desktop's WSL2 disk image, whose drive can fill up while df
     * inside a container still shows room: {@code configured} (DOCKER_DESKTOP_DATA) when set, else on Windows
     * under Docker Desktop %LOCALAPPDATA%\Docker\wsl (checked on Windows: not yet). {@code engineOs} is asked
     * only when needed.
     */
    public static Optional<Path> desktopData(String configured, boolean windows, String localAppData, Supplier<String> engineOs) {
        if (!configured.isBlank()) return Optional.of(Path.of(configured));
        if (!windows || localAppData == null || localAppData.isBlank() || !engineOs.get().equals("Docker Desktop")) return Optional.empty();
        return Optional.of(Path.of(localAppData, "Docker", "wsl"));
    }

    /** The container's state; an exception when it does not exist or the engine is down. */
    public static Container inspect(String name, Duration timeout) {
        Proc.Result r = Proc.run(List.of("docker", "container", "inspect", name), Map.of(), timeout);
        if (!r.ok()) {
            String err = r.stderr() + r.stdout();
            if (engineDown(err)) throw engineUnreachable(r.lastError());
            if (err.contains("No such container") || err.contains("no such container")) {
                DockerOs.Missing m = DockerOs.missing(name, "docker ps -a lists containers; check the name in your config", timeout);
                throw new OpsException(ExitCode.UNAVAILABLE, m.message(), m.hint());
            }
            throw new OpsException(ExitCode.UNAVAILABLE, "docker inspect " + name + " failed: " + r.lastError(), null);
        }
        try {
            JsonNode c = Manifest.JSON.readTree(r.stdout()).path(0);
            JsonNode s = c.path("State");
            JsonNode h = s.path("Health").path("Status");
            return new Container(name, s.path("Status").asText("unknown"), s.path("Running").asBoolean(),
                    h.isMissingNode() || h.asText().isEmpty() ? null : h.asText(), c.path("RestartCount").asInt(),
                    s.path("ExitCode").asInt(), s.path("StartedAt").asText(""));
        } catch (IOException e) {
            throw new OpsException(ExitCode.UNAVAILABLE, "cannot read docker inspect output for " + name + ": " + e.getMessage(), null);
        }
    }

    /** The image a container was created from, as named at {@code docker run}. */
    public static String image(String name, Duration timeout) {
        Proc.Result r = Proc.run(List.of("docker", "container", "inspect", "--format", "{{.Config.Image}}", name), Map.of(), timeout);
        if (!r.ok()) inspect(name, timeout);
        if (!r.ok() || r.stdout().isBlank()) throw new OpsException(ExitCode.UNAVAILABLE, "cannot tell the image of container " + name
                + ": " + r.lastError(), "docker ps -a lists containers; check the name in your config");
        return r.stdout().strip();
    }

    /** {@code docker start name}; an exception naming the engine's reason when it refuses. */
    public static void start(String name, Duration timeout) {
        Proc.Result r = Proc.run(List.of("docker", "start", name), Map.of(), timeout);
        if (!r.ok()) {
            if (engineDown(r.stderr())) throw engineUnreachable(r.lastError());
            throw new OpsException(ExitCode.UNAVAILABLE, "docker start " + name + " failed: " + r.lastError(),
                    "docker logs " + name + " shows why; a port already in use or a missing volume are common causes");
        }
    }

    /** The last non-blank line the container logged (stdout or stderr), or "" when there is none. */
    public static String lastLogLine(String name, Duration timeout) {
        Proc.Result r = Proc.run(List.of("docker", "logs", "--tail", "20", name), Map.of(), timeout);
        if (!r.ok()) return "";
        String last = "";
        for (String l : (r.stdout() + "\n" + r.stderr()).split("\\R")) if (!l.isBlank()) last = l.strip();
        return last;
    }
}
