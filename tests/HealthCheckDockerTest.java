package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import lib.Config;
import lib.Metrics;
import lib.Proc;
import lib.health.CheckResult;
import lib.health.HealthCheck;
import lib.health.HealthReport;
import lib.health.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tests.support.Fixtures;
import tests.support.HttpReceiver;
import tests.support.Scripts;
import tests.support.TestContainer;
import tests.support.WindowsEngine;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

/**
 * health-check against a real engine and real containers: healthy, stopped, missing, crashed and
 * restarted by Docker, an engine that cannot be reached, pgAdmin up or down, and a server that accepts
 * connections but never answers. The run must end within its deadline in every case.
 */
class HealthCheckDockerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long RUN_LIMIT_MS = 8000;
    /** Stays healthy throughout: tests that stop or crash a container start their own. */
    private static TestContainer db;

    @TempDir Path home;

    @BeforeAll
    static void startContainer() {
        Fixtures.requireDocker();
        db = TestContainer.postgres();
    }

    @AfterAll
    static void removeContainer() {
        if (db != null) db.close();
    }

    @Test
    void aContainerStillStartingIsAWarningToWaitUntilItsGracePeriodEnds() {
        try (TestContainer slow = TestContainer.starting()) {
            assertThat(slow.inspect().health()).isEqualTo("starting");
            List<String> checks = List.of("docker", "container", "ready"); // no PostgreSQL inside: pg_isready fails
            HealthCheck.Health waiting = run(db.config(home, "DOCKER_CONTAINER", slow.name()), checks);
            TestContainer.sleep(2100);
            HealthCheck.Health stuck = run(db.config(home, "DOCKER_CONTAINER", slow.name(), "CONTAINER_STARTING_GRACE_SECONDS", "1"), checks);

            CheckResult warning = expect(waiting, "container", Status.WARNING);
            assertThat(warning.summary()).contains(slow.name() + " is still starting for");
            assertThat(warning.action()).startsWith("wait").contains("CONTAINER_STARTING_GRACE_SECONDS").doesNotContain("restart");
            expect(waiting, "ready", Status.SKIPPED);
            expectOverall(waiting, Status.WARNING);
            CheckResult critical = expect(stuck, "container", Status.CRITICAL);
            assertThat(critical.summary()).contains("has been starting for").contains("longer than 1 s");
            assertThat(critical.action()).contains("docker logs " + slow.name());
            expectOverall(stuck, Status.CRITICAL);
        }
    }

    @Test
    void healthyContainerPassesEveryCheckWithTheVolumeMeasuredInsideTheContainer() {
        HealthCheck.Health h = runAll(db.config(home), MissingNode.getInstance());

        for (String check : List.of("docker", "container", "ready", "query", "connections", "long-queries", "replication", "disk")) {
            expect(h, check, Status.OK);
        }
        expectOverall(h, Status.OK);
        assertThat(h.millis()).isLessThan(RUN_LIMIT_MS);
        assertThat(result(h, "container").values()).containsEntry("health", "healthy").containsEntry("restartCount", 0);
        assertThat(result(h, "docker").values()).as("the real engine runs Linux containers").containsEntry("os", "linux");
        assertThat(result(h, "replication").values()).containsEntry("role", "primary");

        CheckResult disk = result(h, "disk");
        assertThat(disk.summary()).contains("volume");
        assertThat(disk.values()).containsKey("volumeUsedPercent");
        double[] inside = dfInside(db);
        assertThat(((Number) disk.values().get("volumeUsedPercent")).doubleValue()).isCloseTo(inside[0], within(1.0));
        assertThat(((Number) disk.values().get("volumeFreeBytes")).doubleValue()).isCloseTo(inside[1], within(inside[1] * 0.02));
        assertThat(((Number) disk.values().get("databaseBytes")).longValue()).isPositive();
    }

    @Test
    void stoppedContainerIsCriticalWithTheStartCommandAndItsDependentsAreSkipped() {
        try (TestContainer stopped = TestContainer.postgres()) {
            stopped.stop();

            HealthCheck.Health h = runAll(stopped.config(home), MissingNode.getInstance());

            CheckResult container = expect(h, "container", Status.CRITICAL);
            assertThat(container.summary()).contains(stopped.name()).containsPattern("exited|not running");
            assertThat(container.action()).contains("docker start " + stopped.name());
            expect(h, "docker", Status.OK);
            for (String check : List.of("ready", "query")) {
                assertThat(expect(h, check, Status.SKIPPED).summary()).as("names the cause").contains("container");
            }
            for (String check : List.of("connections", "long-queries", "replication")) expect(h, check, Status.SKIPPED);
            expectOverall(h, Status.CRITICAL);
            assertThat(h.millis()).isLessThan(RUN_LIMIT_MS);
        }
    }

    @Test
    void missingContainerIsCriticalSayingItDoesNotExist() {
        String missing = "ra-test-missing-" + Long.toHexString(ThreadLocalRandom.current().nextLong());

        HealthCheck.Health h = runAll(db.config(home, "DOCKER_CONTAINER", missing), MissingNode.getInstance());

        CheckResult container = expect(h, "container", Status.CRITICAL);
        assertThat(container.summary()).isEqualTo("container " + missing + " does not exist");
        assertThat(container.action()).contains("docker ps -a").doesNotContain("Windows");
        expect(h, "ready", Status.SKIPPED);
        expectOverall(h, Status.CRITICAL);
    }

    /**
     * The docker CLI takes DOCKER_HOST from the process environment, which a test cannot change in its
     * own JVM: the script runs as users run it, pointed at a socket nothing listens on.
     */
    @Test
    void unreachableEngineIsOneCriticalCheckAndTheRestIsSkippedQuickly() throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("RA_INFRA_HOME", home.toString());
        env.put("DOCKER_HOST", "unix:///tmp/ra-no-engine-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".sock");
        env.put("DOCKER_CONTAINER", db.name());
        env.put("PGHOST", "127.0.0.1");
        env.put("PGPORT", String.valueOf(closedPort()));
        env.put("PGPASSWORD", db.password());
        env.put("PGADMIN_CONTAINER", "");
        env.put("SCHEDULED_TYPES", "");
        env.put("DISK_WARN_PERCENT", "99");
        env.put("DISK_CRITICAL_PERCENT", "100");

        Scripts.Run r = Scripts.run(env, "health-check.java", "--json");

        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        JsonNode out = JSON.readTree(r.out());
        JsonNode docker = check(out, "docker");
        assertThat(docker.path("status").asText()).as(r.out()).isEqualTo("critical");
        assertThat(docker.path("summary").asText()).contains("not reachable");
        assertThat(docker.path("millis").asLong()).isLessThan(3000);
        for (String check : List.of("container", "ready", "query")) {
            assertThat(check(out, check).path("status").asText()).as(check + " in " + r.out()).isEqualTo("skipped");
        }
        assertThat(out.path("status").asText()).isEqualTo("unhealthy");
        assertThat(out.path("millis").asLong()).isLessThan(RUN_LIMIT_MS);
    }

    /** Docker Desktop switched to Windows containers: the engine answers, and the Linux container is out of its sight. */
    @Test
    void anEngineRunningWindowsContainersIsAWarningAndTheMissingContainerSaysWhy() throws IOException {
        Map<String, String> env = WindowsEngine.onPath(home, db.env(home, "PGADMIN_CONTAINER", ""));

        Scripts.Run r = Scripts.run(env, "health-check.java", "--json");

        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        JsonNode out = JSON.readTree(r.out());
        JsonNode docker = check(out, "docker");
        assertThat(docker.path("status").asText()).as(r.out()).isEqualTo("warning");
        assertThat(docker.path("summary").asText()).isEqualTo("engine 27.5.1 answers, but Docker Desktop is running Windows containers; "
                + db.name() + " is a Linux container");
        assertThat(docker.path("values").path("os").asText()).isEqualTo("windows");
        JsonNode container = check(out, "container");
        assertThat(container.path("status").asText()).isEqualTo("critical");
        assertThat(container.path("summary").asText()).isEqualTo("container " + db.name()
                + " does not exist: Docker Desktop is running Windows containers; " + db.name() + " is a Linux container");
        assertThat(container.path("action").asText()).contains("Switch to Linux containers...").doesNotContain("docker ps -a");
    }

    @Test
    void restartSinceTheLastRunIsAWarningOnceAndThenOk() {
        try (TestContainer crashing = TestContainer.postgres("--restart", "always")) {
            Config cfg = crashing.config(home);
            Metrics metrics = new Metrics(cfg.path("LOG_DIR"));
            HealthCheck.Health before = runContainerChecks(cfg, metrics.last());
            int count = (Integer) expect(before, "container", Status.OK).values().get("restartCount");
            metrics.append(HealthReport.metrics(before, "test"), Fixtures.log(cfg));

            crashAndAwaitRestart(crashing, count);

            HealthCheck.Health after = runContainerChecks(cfg, metrics.last());
            CheckResult restarted = expect(after, "container", Status.WARNING);
            assertThat(restarted.summary()).contains("restarted 1 time", "restart count " + (count + 1));
            assertThat(restarted.action()).contains("docker logs " + crashing.name());
            assertThat(restarted.values()).containsEntry("restartCount", count + 1);
            expectOverall(after, Status.WARNING);
            metrics.append(HealthReport.metrics(after, "test"), Fixtures.log(cfg));

            HealthCheck.Health next = runContainerChecks(cfg, metrics.last());
            expect(next, "container", Status.OK);
        }
    }

    @Test
    void runningPgAdminContainerIsOkAndAMissingOneOnlyAWarning() {
        try (TestContainer pgadmin = TestContainer.idle()) {
            HealthCheck.Health up = runAll(db.config(home, "PGADMIN_CONTAINER", pgadmin.name()), MissingNode.getInstance());
            assertThat(expect(up, "pgadmin", Status.OK).summary()).contains(pgadmin.name(), "running");
            expectOverall(up, Status.OK);
        }

        String missing = "ra-test-missing-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        HealthCheck.Health down = runAll(db.config(home, "PGADMIN_CONTAINER", missing), MissingNode.getInstance());
        CheckResult warning = expect(down, "pgadmin", Status.WARNING);
        assertThat(warning.summary()).contains(missing, "does not exist");
        assertThat(warning.action()).contains("PGADMIN_CONTAINER=");
        expectOverall(down, Status.WARNING); // a pgAdmin problem leaves the database healthy
    }

    @Test
    void pgAdminUrlAnswering302IsOkAnd500IsAWarning() {
        try (HttpReceiver web = new HttpReceiver()) {
            Config cfg = db.config(home, "PGADMIN_URL", web.url("/login"));

            web.respond(302, "");
            HealthCheck.Health redirect = runAll(cfg, MissingNode.getInstance());
            assertThat(expect(redirect, "pgadmin", Status.OK).values()).containsEntry("httpStatus", 302);
            assertThat(web.requests()).extracting(HttpReceiver.Request::method, HttpReceiver.Request::path)
                    .containsExactly(tuple("GET", "/login"));

            web.respond(500, "internal error");
            HealthCheck.Health broken = runAll(cfg, MissingNode.getInstance());
            CheckResult warning = expect(broken, "pgadmin", Status.WARNING);
            assertThat(warning.summary()).contains("HTTP 500");
            assertThat(warning.values()).containsEntry("httpStatus", 500);
            expectOverall(broken, Status.WARNING);
        }
    }

    @Test
    void serverThatAcceptsButNeverAnswersIsCriticalWithinTheDeadline() throws IOException {
        try (SilentServer silent = new SilentServer()) {
            Config cfg = db.config(home, "PGPORT", String.valueOf(silent.port()), "CHECK_TIMEOUT_SECONDS", "5");

            long start = System.nanoTime();
            HealthCheck.Health h = runAll(cfg, MissingNode.getInstance());
            long ms = (System.nanoTime() - start) / 1_000_000;

            assertThat(ms).as("run time of%n%s", describe(h)).isLessThan(RUN_LIMIT_MS);
            assertThat(silent.accepted()).as("the SQL checks connected to the silent port").isPositive();
            expect(h, "container", Status.OK);
            expect(h, "ready", Status.OK); // pg_isready runs inside the container, over its socket
            CheckResult query = expect(h, "query", Status.CRITICAL);
            assertThat(query.summary()).contains("no answer", "within 5 s");
            assertThat(query.millis()).isLessThanOrEqualTo(6000);
            // the backup side is still measured while the database side hangs
            assertThat(expect(h, "disk", Status.OK).summary()).contains("backups", "not measured");
            expectOverall(h, Status.CRITICAL);
        }
    }

    private static HealthCheck.Health runAll(Config cfg, JsonNode previous) {
        HealthCheck hc = new HealthCheck(cfg);
        return hc.run(hc.select(List.of(), List.of()), previous);
    }

    private static HealthCheck.Health run(Config cfg, List<String> checks) {
        HealthCheck hc = new HealthCheck(cfg);
        return hc.run(hc.select(checks, List.of()), MissingNode.getInstance());
    }

    private static HealthCheck.Health runContainerChecks(Config cfg, JsonNode previous) {
        HealthCheck hc = new HealthCheck(cfg);
        return hc.run(hc.select(List.of("docker", "container"), List.of()), previous);
    }

    /** The check's result after asserting its status; a failure shows the whole run. */
    private static CheckResult expect(HealthCheck.Health h, String check, Status status) {
        CheckResult r = result(h, check);
        assertThat(r.status()).as("%s: %s%n%s", check, r.summary(), describe(h)).isEqualTo(status);
        return r;
    }

    private static void expectOverall(HealthCheck.Health h, Status status) {
        assertThat(h.status()).as("overall status of%n%s", describe(h)).isEqualTo(status);
    }

    private static CheckResult result(HealthCheck.Health h, String check) {
        return h.results().stream().filter(r -> check.equals(r.check())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + check + " check in\n" + describe(h)));
    }

    /** Every result on its own line, so a failed assertion shows the whole run. */
    private static String describe(HealthCheck.Health h) {
        return h.results().stream().map(r -> r.check() + " " + r.status() + " " + r.millis() + " ms: " + r.summary()
                + (r.action() == null ? "" : " -> " + r.action())).collect(Collectors.joining("\n"));
    }

    /** One check's entry in health-check --json output. */
    private static JsonNode check(JsonNode out, String name) {
        for (JsonNode c : out.path("checks")) if (c.path("check").asText().equals(name)) return c;
        throw new AssertionError("no " + name + " check in " + out);
    }

    /** Used percent and free bytes of the data directory's filesystem, by df inside the container. */
    private static double[] dfInside(TestContainer c) {
        Proc.Result r = c.exec("df", "-Pk", TestContainer.DATA_DIR);
        assertThat(r.ok()).as(r.stderr()).isTrue();
        String[] f = r.stdout().strip().lines().reduce((a, b) -> b).orElseThrow().trim().split("\\s+");
        double total = Long.parseLong(f[1]) * 1024.0;
        double free = Long.parseLong(f[3]) * 1024.0;
        return new double[] {100 * (total - free) / total, free};
    }

    /**
     * Makes PostgreSQL exit inside the container as a crash would, then waits until Docker's restart
     * policy has brought the container back and it is healthy again.
     */
    private static void crashAndAwaitRestart(TestContainer c, int restartsBefore) {
        // the exec dies with the container's main process, so its own exit code says nothing
        c.exec("pg_ctl", "stop", "-m", "immediate", "-D", TestContainer.DATA_DIR);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (c.inspect().restartCount() <= restartsBefore) {
            if (System.nanoTime() > deadline) throw new AssertionError("Docker did not restart " + c.name() + " within 60 s");
            TestContainer.sleep(200);
        }
        c.awaitHealthy();
    }

    /** A loopback port nothing listens on: connections to it are refused. */
    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Accepts TCP connections on loopback and never sends a byte: a server hung after accept(). */
    private static final class SilentServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> held = Collections.synchronizedList(new ArrayList<>());

        SilentServer() throws IOException {
            Thread acceptor = new Thread(this::acceptUntilClosed, "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() { return socket.getLocalPort(); }

        int accepted() { return held.size(); }

        private void acceptUntilClosed() {
            try {
                while (true) held.add(socket.accept());
            } catch (IOException closed) {
                // close() ends the loop
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            synchronized (held) {
                for (Socket s : held) s.close();
            }
        }
    }
}
