package tests.support;

import lib.Config;
import lib.Docker;
import lib.Proc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A uniquely named container of the test image that a test may stop, crash or remove at will, unlike
 * the run-wide {@link Fixtures#container()}. The engine runs without a bridge network, so PostgreSQL
 * shares the host's network on a port of its own; PGPORT in the container's environment lets the
 * image's HEALTHCHECK and docker exec'd tools find its socket.
 */
public final class TestContainer implements AutoCloseable {
    public static final String DATA_DIR = "/var/lib/postgresql/data";
    private static final Duration DOCKER_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration HEALTHY_TIMEOUT = Duration.ofSeconds(60);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final int port;
    private final String password;

    private TestContainer(String name, int port, String password) {
        this.name = name;
        this.port = port;
        this.password = password;
    }

    /**
     * PostgreSQL with database inventory on a free port, healthy when this returns.
     * @param runArgs extra {@code docker run} options, e.g. {@code --restart always}
     */
    public static TestContainer postgres(String... runArgs) {
        return run(port -> List.of("-e", "PGPORT=" + port), runArgs);
    }

    /**
     * PostgreSQL on a port of its own given only on the server's command line ({@code -c port=N}), with no
     * PGPORT in the container's environment: a user's container of the official image run that way. Its
     * HEALTHCHECK is replaced by one that names the port.
     */
    public static TestContainer postgresWithoutPgport() {
        return run(port -> List.of("--health-cmd", "pg_isready -q -h /var/run/postgresql -p " + port));
    }

    /** {@code docker run} with the options {@code portArgs} makes of the container's port, then {@code runArgs}. */
    private static TestContainer run(java.util.function.IntFunction<List<String>> portArgs, String... runArgs) {
        TestContainer c = new TestContainer(uniqueName("ra-test-pg-"), freePort(), "pw-" + hex(8));
        List<String> cmd = new ArrayList<>(List.of("docker", "run", "-d", "--name", c.name, "--network", "host",
                "-e", "POSTGRES_PASSWORD", "-e", "POSTGRES_DB=inventory"));
        cmd.addAll(portArgs.apply(c.port));
        cmd.addAll(List.of(runArgs));
        cmd.addAll(List.of(Fixtures.IMAGE, "-c", "port=" + c.port));
        c.create(cmd, Map.of("POSTGRES_PASSWORD", c.password));
        try {
            c.awaitHealthy();
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * A PostgreSQL container created but never started, as after a reboot; {@code serverArgs} go to
     * postgres (e.g. a setting it rejects, so that it exits as soon as it is started).
     */
    public static TestContainer created(String... serverArgs) {
        TestContainer c = new TestContainer(uniqueName("ra-test-pg-"), freePort(), "pw-" + hex(8));
        List<String> cmd = new ArrayList<>(List.of("docker", "create", "--name", c.name, "--network", "host",
                "-e", "PGPORT=" + c.port, "-e", "POSTGRES_PASSWORD", "-e", "POSTGRES_DB=inventory", Fixtures.IMAGE, "-c", "port=" + c.port));
        cmd.addAll(List.of(serverArgs));
        c.create(cmd, Map.of("POSTGRES_PASSWORD", c.password));
        return c;
    }

    /**
     * A running container without PostgreSQL (it only sleeps, with no HEALTHCHECK), standing in for
     * pgAdmin: only {@link #name()}, {@link #inspect()} and {@link #close()} make sense on it.
     */
    public static TestContainer idle() {
        TestContainer c = new TestContainer(uniqueName("ra-test-idle-"), 0, null);
        c.create(List.of("docker", "run", "-d", "--name", c.name, "--no-healthcheck", "--entrypoint", "sleep",
                Fixtures.IMAGE, "600"), Map.of());
        return c;
    }

    /**
     * A running container whose health stays "starting": its check always fails within an hour-long start
     * period, like a database that is slow to come up. No PostgreSQL runs in it.
     */
    public static TestContainer starting() {
        TestContainer c = new TestContainer(uniqueName("ra-test-starting-"), 0, null);
        c.create(List.of("docker", "run", "-d", "--name", c.name, "--health-cmd", "exit 1", "--health-interval", "1s",
                "--health-start-period", "1h", "--entrypoint", "sleep", Fixtures.IMAGE, "600"), Map.of());
        return c;
    }

    public String name() { return name; }

    public int port() { return port; }

    public String password() { return password; }

    /**
     * Docker-mode settings aimed at this container, with logs and backups under {@code home}, no config
     * file, pgAdmin and backup freshness not checked, and disk thresholds this machine's disk cannot
     * reach; {@code kvOverrides} (key, value, key, value...) win.
     */
    public Config config(Path home, String... kvOverrides) {
        Map<String, String> flags = settings(home, kvOverrides);
        return Config.load(null, flags, Map.of("RA_INFRA_HOME", home.toString()));
    }

    /** The same settings as environment variables for running a script, RA_INFRA_HOME included. */
    public Map<String, String> env(Path home, String... kvOverrides) {
        Map<String, String> env = settings(home, kvOverrides);
        env.put("RA_INFRA_HOME", home.toString());
        return env;
    }

    private Map<String, String> settings(Path home, String... kvOverrides) {
        Map<String, String> flags = new HashMap<>();
        flags.put("DOCKER_CONTAINER", name);
        flags.put("PGHOST", "127.0.0.1");
        flags.put("PGPORT", String.valueOf(port));
        flags.put("PGUSER", "postgres");
        flags.put("PGPASSWORD", password);
        flags.put("PGDATABASE", "inventory");
        flags.put("LOG_DIR", home.resolve("logs").toString());
        flags.put("BACKUP_DIR", home.resolve("backups").toString());
        flags.put("PGADMIN_CONTAINER", "");
        flags.put("DISK_WARN_PERCENT", "99");
        flags.put("DISK_CRITICAL_PERCENT", "100");
        flags.put("SCHEDULED_TYPES", "");
        if (kvOverrides.length % 2 != 0) throw new IllegalArgumentException("overrides come in key, value pairs");
        for (int i = 0; i < kvOverrides.length; i += 2) flags.put(kvOverrides[i], kvOverrides[i + 1]);
        return flags;
    }

    /** What the engine says about it now. */
    public Docker.Container inspect() {
        return Docker.inspect(name, DOCKER_TIMEOUT);
    }

    /** {@code docker exec NAME command...}, whatever its outcome. */
    public Proc.Result exec(String... command) {
        List<String> cmd = new ArrayList<>(List.of("docker", "exec", name));
        cmd.addAll(List.of(command));
        return Proc.run(cmd, Map.of(), DOCKER_TIMEOUT);
    }

    /** {@code docker stop}: PostgreSQL shuts down and the container exits; a restart policy leaves it stopped. */
    public void stop() {
        docker("stop", name);
    }

    /** {@code docker kill}: stopped at once, as a power cut leaves it (the idle container ignores SIGTERM). */
    public void kill() {
        docker("kill", name);
    }

    /** {@code docker start}, then waits until it is healthy again. */
    public void start() {
        docker("start", name);
        awaitHealthy();
    }

    /**
     * Waits until the engine reports it running and healthy. Gives up early when it stopped for good (no
     * restart policy to bring it back), with the end of its log, since that names the cause.
     */
    public void awaitHealthy() {
        long deadline = System.nanoTime() + HEALTHY_TIMEOUT.toNanos();
        String state = "";
        while (System.nanoTime() < deadline) {
            state = docker("inspect", "-f", "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}/"
                    + "{{.HostConfig.RestartPolicy.Name}}", name).stdout().strip();
            String[] f = state.split("/", -1); // status, health, restart policy
            if (f[0].equals("running") && f[1].equals("healthy")) return;
            boolean stoppedForGood = (f[0].equals("exited") || f[0].equals("dead")) && (f[2].isEmpty() || f[2].equals("no"));
            if (stoppedForGood) break;
            sleep(250);
        }
        Proc.Result logs = Proc.run(List.of("docker", "logs", "--tail", "20", name), Map.of(), DOCKER_TIMEOUT);
        throw new AssertionError("container " + name + " did not become healthy (status/health/restart policy: " + state
                + ", waited at most " + HEALTHY_TIMEOUT.toSeconds() + " s); docker logs --tail 20:\n" + logs.stdout() + logs.stderr());
    }

    /** Removes the container and its anonymous volumes; safe to call twice. */
    @Override
    public void close() {
        Proc.run(List.of("docker", "rm", "-f", "-v", name), Map.of(), DOCKER_TIMEOUT);
    }

    /** Runs {@code docker run}; a failed run may still have created the container, so it is removed. */
    private void create(List<String> cmd, Map<String, String> env) {
        Proc.Result r = Proc.run(cmd, env, DOCKER_TIMEOUT);
        if (!r.ok()) {
            close();
            throw new AssertionError("cannot start a container from " + Fixtures.IMAGE + ": " + r.lastError());
        }
    }

    private static Proc.Result docker(String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        Proc.Result r = Proc.run(cmd, Map.of(), DOCKER_TIMEOUT);
        if (!r.ok()) throw new AssertionError(String.join(" ", cmd) + " failed: " + r.lastError());
        return r;
    }

    private static String uniqueName(String prefix) {
        return prefix + hex(4);
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** A loopback port nobody listens on right now; the container (or test server) binds it moments later. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Thread.sleep for tests: an interrupt fails the test. */
    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
