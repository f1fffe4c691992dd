package tests;

import lib.Config;
import lib.Log;
import lib.health.Status;
import lib.startup.DesktopSession;
import lib.startup.Startup;
import lib.startup.StartupReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tests.support.Fixtures;
import tests.support.TestContainer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * verify-startup's steps against real containers in the states a reboot leaves them: stopped, missing,
 * never healthy, crashing on start, and pgAdmin beside the database.
 */
class StartupTest {
    /** Stopped and started again by the tests that need a database coming back. */
    private static TestContainer db;

    @TempDir Path home;
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @BeforeAll
    static void startContainer() {
        Fixtures.requireDocker();
        db = TestContainer.postgres();
    }

    @AfterAll
    static void removeContainer() {
        if (db != null) db.close();
    }

    private Startup.Outcome run(Config cfg, boolean dryRun) {
        Log log = new Log(cfg.path("LOG_DIR"), "startup");
        return new Startup(cfg, log, new PrintStream(progress, true, StandardCharsets.UTF_8), dryRun, DesktopSession.current(false)).run();
    }

    private static Startup.Step step(Startup.Outcome o, String name) {
        return o.steps().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aStoppedContainerIsStartedWaitedForAndHealthChecked() {
        db.stop();

        Startup.Outcome o = run(db.config(home), false);

        assertThat(o.steps()).extracting(Startup.Step::name, Startup.Step::status).containsExactly(
                tuple("docker", Status.OK), tuple("container", Status.OK), tuple("ready", Status.OK), tuple("health", Status.OK));
        assertThat(step(o, "container").detail()).startsWith("started " + db.name()).contains("was exited");
        assertThat(step(o, "ready").detail()).contains("healthy after");
        assertThat(o.health().results()).extracting(r -> r.check()).contains("docker", "container", "query", "disk", "backups");
        assertThat(db.inspect().healthy()).isTrue();
        assertThat(StartupReport.exitCode(o)).isZero();
        assertThat(StartupReport.verdict(o)).startsWith("started OK in ");
        assertThat(home.resolve("logs/metrics.jsonl")).as("the health check is recorded like any other").exists();
    }

    @Test
    void aRunningContainerIsLeftAloneAndSaysSo() {
        Startup.Outcome o = run(db.config(home), false);

        assertThat(step(o, "container").detail()).contains("was already running");
        assertThat(o.status()).isEqualTo(Status.OK);
    }

    @Test
    void autoStartFalseReportsTheStoppedContainerAndSkipsTheRest() {
        db.stop();
        try {
            Startup.Outcome o = run(db.config(home, "AUTO_START", "false"), false);

            assertThat(o.failed()).map(Startup.Step::name).contains("container");
            assertThat(step(o, "container").detail()).contains("AUTO_START=false");
            assertThat(step(o, "container").action()).isEqualTo("docker start " + db.name());
            assertThat(step(o, "ready").status()).isEqualTo(Status.SKIPPED);
            assertThat(step(o, "health").detail()).isEqualTo("skipped: container failed");
            assertThat(db.inspect().running()).isFalse();
            assertThat(StartupReport.exitCode(o)).isEqualTo(1);
        } finally {
            db.start();
        }
    }

    @Test
    void aDryRunStartsNothingAndDoesNotWait() {
        db.stop();
        try {
            long t = System.nanoTime();
            Startup.Outcome o = run(db.config(home), true);

            assertThat(step(o, "container").detail()).startsWith("would start " + db.name());
            assertThat(step(o, "container").status()).as("it did not start it").isEqualTo(Status.SKIPPED);
            assertThat(StartupReport.verdict(o)).startsWith("dry run, nothing was changed: would start " + db.name())
                    .contains("would wait up to 120 s").doesNotContain("started").doesNotContain(" OK");
            assertThat(step(o, "ready").status()).isEqualTo(Status.SKIPPED);
            assertThat(step(o, "ready").detail()).startsWith("would wait up to 120 s for " + db.name());
            assertThat(step(o, "health").status()).isEqualTo(Status.SKIPPED);
            assertThat(StartupReport.exitCode(o)).as("a dry run of a stopped database is not a failure").isZero();
            assertThat(db.inspect().running()).isFalse();
            assertThat((System.nanoTime() - t) / 1_000_000).as("no waiting in a dry run").isLessThan(20_000);
            assertThat(home.resolve("logs/metrics.jsonl")).doesNotExist();
        } finally {
            db.start();
        }
    }

    @Test
    void aMissingContainerFailsTheContainerStepWithTheFix() {
        Startup.Outcome o = run(db.config(home, "DOCKER_CONTAINER", "ra-test-no-such-container"), false);

        assertThat(o.failed()).map(Startup.Step::name).contains("container");
        assertThat(step(o, "container").detail()).contains("does not exist");
        assertThat(step(o, "container").action()).contains("docker ps -a");
    }

    @Test
    void aContainerThatNeverBecomesHealthyFailsTheReadyStepAfterTheWait() {
        try (TestContainer idle = TestContainer.idle()) {
            long t = System.nanoTime();
            Startup.Outcome o = run(db.config(home, "DOCKER_CONTAINER", idle.name(), "STARTUP_WAIT_SECONDS", "3"), false);

            assertThat(o.failed()).map(Startup.Step::name).contains("ready");
            assertThat(step(o, "ready").detail()).contains("not healthy within 3 s");
            assertThat(step(o, "ready").action()).contains("docker logs " + idle.name());
            assertThat(step(o, "health").status()).isEqualTo(Status.SKIPPED);
            assertThat((System.nanoTime() - t) / 1_000_000).isBetween(3_000L, 30_000L);
            assertThat(progress.toString(StandardCharsets.UTF_8)).contains("waiting for " + idle.name() + " to become healthy");
        }
    }

    @Test
    void aContainerThatExitsWhileStartingFailsAtOnceWithItsLastLogLine() {
        try (TestContainer broken = TestContainer.created("-c", "no_such_setting=1")) {
            long t = System.nanoTime();
            Startup.Outcome o = run(db.config(home, "DOCKER_CONTAINER", broken.name(), "STARTUP_WAIT_SECONDS", "60"), false);

            assertThat(step(o, "container").detail()).startsWith("started " + broken.name());
            assertThat(o.failed()).map(Startup.Step::name).contains("ready");
            assertThat(step(o, "ready").detail()).contains("stopped while starting").contains("no_such_setting");
            assertThat((System.nanoTime() - t) / 1_000_000).as("no need to wait out STARTUP_WAIT_SECONDS").isLessThan(30_000L);
        }
    }

    @Test
    void aStoppedPgAdminIsStartedAndAMissingOneIsOnlyNoted() {
        try (TestContainer pgadmin = TestContainer.idle()) {
            pgadmin.kill();

            Startup.Outcome started = run(db.config(home, "PGADMIN_CONTAINER", pgadmin.name()), false);
            Startup.Outcome missing = run(db.config(home, "PGADMIN_CONTAINER", "ra-test-no-pgadmin"), false);

            assertThat(step(started, "pgadmin").status()).isEqualTo(Status.OK);
            assertThat(step(started, "pgadmin").detail()).startsWith("started " + pgadmin.name());
            assertThat(pgadmin.inspect().running()).isTrue();
            assertThat(step(missing, "pgadmin").status()).isEqualTo(Status.SKIPPED);
            assertThat(step(missing, "pgadmin").detail()).isEqualTo("no container ra-test-no-pgadmin");
            assertThat(missing.failed()).isEmpty();
        }
    }

    @Test
    void directModeWaitsForTheServerAndRunsTheHealthCheckOnly() throws Exception {
        Config cfg = Fixtures.config(Fixtures.trustCluster(), home, "PGDATABASE", "postgres", "SCHEDULED_TYPES", "",
                "DISK_WARN_PERCENT", "99", "DISK_CRITICAL_PERCENT", "100");

        Startup.Outcome o = run(cfg, false);

        assertThat(o.steps()).extracting(Startup.Step::name).containsExactly("ready", "health");
        assertThat(o.status()).as(o.toString()).isNotEqualTo(Status.CRITICAL);
        assertThat(Files.readString(home.resolve("logs/startup.log"))).contains("database ready ok");
    }

    @Test
    void theStartupMessageNamesTheFailedStepOrSaysHowLongItTook() {
        Startup.Outcome failed = new Startup.Outcome(List.of(
                new Startup.Step("docker", Status.CRITICAL, "no answer within 300 s", "start Docker Desktop", 300_000),
                new Startup.Step("container", Status.SKIPPED, "skipped: docker engine failed", null, 0)), null, 300_400, false);
        Startup.Outcome ok = new Startup.Outcome(List.of(new Startup.Step("docker", Status.OK, "Docker 28 answered", null, 10),
                new Startup.Step("health", Status.WARNING, "healthy, 1 warning", null, 500)), null, 41_600, false);

        assertThat(StartupReport.event(failed, true)).hasValueSatisfying(f -> {
            assertThat(f.severity()).isEqualTo("critical");
            assertThat(f.title()).isEqualTo("startup after reboot failed at docker engine: no answer within 300 s");
            assertThat(f.action()).isEqualTo("start Docker Desktop");
            assertThat(f.runbook()).isEqualTo("docs/alerts.md#startup");
        });
        assertThat(StartupReport.event(failed, false)).as("failures always alert").isPresent();
        assertThat(StartupReport.eventKey(failed)).isEqualTo("startup:docker");
        assertThat(StartupReport.event(ok, true)).map(f -> f.title()).contains("started OK after reboot, took 42 s (1 warning)");
        assertThat(StartupReport.event(ok, false)).isEmpty();
        assertThat(StartupReport.eventKey(ok)).isEqualTo("startup:ok");
        assertThat(Map.of("failed", StartupReport.exitCode(failed), "ok", StartupReport.exitCode(ok))).containsEntry("failed", 1).containsEntry("ok", 0);
    }
}
