package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.Scripts;
import tests.support.SmtpServer;
import tests.support.TestContainer;
import tests.support.WindowsEngine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * verify-startup.java run as the boot/logon task runs it, against a real engine and containers, with
 * the message checked where it arrives (a real SMTP server with STARTTLS and AUTH).
 */
class VerifyStartupScriptTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SMTP_USER = "ops@example.com";
    private static final String SMTP_PASSWORD = "smtp 'pw\" 1";
    private static TestContainer db;

    private Path home;
    private SmtpServer mail;

    @BeforeAll
    static void startContainer() {
        Fixtures.requireDocker();
        db = TestContainer.postgres();
    }

    @AfterAll
    static void removeContainer() {
        if (db != null) db.close();
    }

    @BeforeEach
    void newHomeWithEmail() throws Exception {
        home = Fixtures.home();
        mail = SmtpServer.start(SmtpServer.Tls.STARTTLS_REQUIRED, SMTP_USER, SMTP_PASSWORD);
        Files.createDirectories(home.resolve("config"));
        Files.writeString(home.resolve("config/monitoring.env"), String.join("\n", "SMTP_HOST=127.0.0.1", "SMTP_PORT=" + mail.port(),
                "SMTP_USER=" + SMTP_USER, "SMTP_PASSWORD='" + SMTP_PASSWORD + "'", "SMTP_CA_FILE=" + SmtpServer.caFile(),
                "ALERT_EMAIL=oncall@example.com") + "\n");
    }

    @AfterEach
    void stopMail() { mail.close(); }

    private String startupLog() throws Exception {
        Path f = home.resolve("logs/startup.log");
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }

    @Test
    void afterARebootTheStoppedDatabaseIsStartedAndOneOkMessageIsSent() throws Exception {
        db.stop();

        Scripts.Run first = Scripts.run(db.env(home), "verify-startup.java");
        Scripts.Run again = Scripts.run(db.env(home), "verify-startup.java");

        assertThat(first.exit()).as(first.all()).isZero();
        assertThat(first.out()).contains("STEP").contains("started " + db.name()).containsPattern("started OK in \\d+ s")
                .contains("notified via email: sent [OK] ra-infrastructure - started OK after reboot, took");
        assertThat(db.inspect().healthy()).isTrue();
        List<SmtpServer.Received> got = mail.awaitMessages(1, Duration.ofSeconds(10));
        assertThat(got.get(0).subject()).matches("\\[OK] ra-infrastructure - started OK after reboot, took \\d+ s");
        assertThat(got.get(0).body()).contains("started " + db.name()).contains("health check ok").doesNotContain(db.password());
        assertThat(again.exit()).as(again.all()).isZero();
        assertThat(again.out()).contains("was already running").doesNotContain("notified via");
        assertThat(mail.messages()).as("the logon trigger right after the boot trigger sends nothing new").hasSize(1);
        assertThat(startupLog()).contains("verify-startup begins").contains("container ok: started " + db.name())
                .contains("started OK in").doesNotContain(db.password()).doesNotContain("pw\" 1");
    }

    /** Settings whose engine never answers, and a stand-in Docker Desktop that adds a line to {@code marker} when launched. */
    private Map<String, String> noEngineWithDesktop(Path marker, String waitSeconds) {
        Path desktop = Fixtures.shellScript(home.resolve("Docker Desktop.sh"), "echo started >> '" + marker + "'\n");
        Map<String, String> env = new HashMap<>(db.env(home, "DOCKER_WAIT_SECONDS", waitSeconds, "DOCKER_DESKTOP_EXE", desktop.toString()));
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-engine.sock"));
        return env;
    }

    @Test
    void anUnreachableEngineIsWaitedForDockerDesktopStartedOnceThenAnAlertNamesTheStep() throws Exception {
        Path marker = home.resolve("desktop-started.txt");
        Map<String, String> env = noEngineWithDesktop(marker, "4");

        long t = System.nanoTime();
        Scripts.Run r = Scripts.run(env, "verify-startup.java");
        long ms = (System.nanoTime() - t) / 1_000_000;

        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        assertThat(r.out()).contains("waiting for the Docker engine").contains("startup FAILED at docker engine")
                .contains("skipped: docker engine failed");
        assertThat(ms).as("gives up after DOCKER_WAIT_SECONDS").isBetween(4_000L, 60_000L);
        assertThat(Files.readAllLines(marker)).as("Docker Desktop launched exactly once").containsExactly("started");
        SmtpServer.Received alert = mail.awaitMessages(1, Duration.ofSeconds(10)).get(0);
        assertThat(alert.subject()).startsWith("[ALERT] ra-infrastructure - startup after reboot failed at docker engine: no answer within 4 s");
        assertThat(alert.body()).contains("Action:").contains("start Docker Desktop").contains("docs/alerts.md#startup");
    }

    /** What the boot task of tasks installed with --logged-off runs: nobody may be signed in, so no Docker Desktop. */
    @Test
    void noDesktopWaitsForTheEngineWithoutLaunchingDockerDesktopAndSaysWhy() throws Exception {
        Path marker = home.resolve("desktop-started.txt");
        Map<String, String> env = noEngineWithDesktop(marker, "2");

        Scripts.Run r = Scripts.run(env, "verify-startup.java", "--no-desktop");

        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        assertThat(r.out()).contains("Docker Desktop not started: --no-desktop; waiting for the engine")
                .contains("waiting for the Docker engine").contains("startup FAILED at docker engine");
        Thread.sleep(500);
        assertThat(marker).as("Docker Desktop not launched").doesNotExist();
        assertThat(startupLog()).contains("Docker Desktop not started: --no-desktop");
    }

    /** Docker Desktop switched to Windows containers: the engine answers, the Linux container seems gone. */
    @Test
    void anEngineRunningWindowsContainersIsNamedAsTheCauseOfTheMissingContainer() throws Exception {
        Scripts.Run r = Scripts.run(WindowsEngine.onPath(home, db.env(home)), "verify-startup.java", "--json");

        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        JsonNode out = JSON.readTree(r.out());
        JsonNode docker = out.path("steps").get(0);
        JsonNode container = out.path("steps").get(1);
        assertThat(docker.path("status").asText()).isEqualTo("warning");
        assertThat(docker.path("detail").asText()).contains("answered", "but Docker Desktop is running Windows containers; "
                + db.name() + " is a Linux container");
        assertThat(out.path("failedStep").asText()).isEqualTo("container");
        assertThat(container.path("detail").asText()).isEqualTo("container " + db.name()
                + " does not exist: Docker Desktop is running Windows containers; " + db.name() + " is a Linux container");
        assertThat(container.path("action").asText()).contains("right-click the Docker icon", "\"Switch to Linux containers...\"");
        SmtpServer.Received alert = mail.awaitMessages(1, Duration.ofSeconds(10)).get(0);
        assertThat(alert.subject()).contains("startup after reboot failed at container").contains("running Windows containers");
        assertThat(alert.body()).contains("Switch to Linux containers");
    }

    @Test
    void aDatabaseThatNeverBecomesHealthyAlertsNamingThatStep() throws Exception {
        try (TestContainer idle = TestContainer.idle()) {
            Scripts.Run r = Scripts.run(db.env(home, "DOCKER_CONTAINER", idle.name(), "STARTUP_WAIT_SECONDS", "3"),
                    "verify-startup.java", "--json");

            assertThat(r.exit()).as(r.all()).isEqualTo(1);
            JsonNode out = JSON.readTree(r.out());
            assertThat(out.path("failedStep").asText()).isEqualTo("ready");
            assertThat(out.path("steps").get(1).path("status").asText()).isEqualTo("ok");
            assertThat(r.err()).as("progress goes to stderr under --json").contains("waiting for " + idle.name());
            SmtpServer.Received alert = mail.awaitMessages(1, Duration.ofSeconds(10)).get(0);
            assertThat(alert.subject()).contains("startup after reboot failed at database ready").contains("not healthy within 3 s");
            assertThat(alert.body()).contains("docker logs " + idle.name());
        }
    }

    @Test
    void noOkMessageWhenNotWantedAndADryRunStartsAndSendsNothing() throws Exception {
        Scripts.Run quiet = Scripts.run(db.env(home, "NOTIFY_ON_STARTUP_OK", "false"), "verify-startup.java");
        Scripts.Run dryWhileUp = Scripts.run(db.env(home), "verify-startup.java", "--dry-run");
        assertThat(dryWhileUp.exit()).as(dryWhileUp.all()).isZero();
        assertThat(dryWhileUp.out()).contains("dry run, nothing was changed: everything is already up").doesNotContain("started OK");
        db.stop();
        try {
            Scripts.Run dry = Scripts.run(db.env(home), "verify-startup.java", "--dry-run");

            assertThat(quiet.exit()).as(quiet.all()).isZero();
            assertThat(dry.out()).contains("would start " + db.name()).contains("dry run, nothing was changed: would start " + db.name())
                    .doesNotContain("started OK").doesNotContainPattern("(?m)^container +OK");
            assertThat(db.inspect().running()).isFalse();
            Thread.sleep(500);
            assertThat(mail.messages()).isEmpty();
        } finally {
            db.start();
        }
    }

    @Test
    void badSettingsExitTwoAndHelpShowsExamplesAndExitCodes() {
        Scripts.Run bad = Scripts.run(db.env(home, "STARTUP_WAIT_SECONDS", "soon"), "verify-startup.java");
        Scripts.Run help = Scripts.run(Map.of("RA_INFRA_HOME", home.toString()), "verify-startup.java", "--help");

        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("STARTUP_WAIT_SECONDS").contains("soon");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Examples:").contains("--dry-run").contains("Exit codes:").contains("DOCKER_WAIT_SECONDS")
                .contains("--no-desktop").contains("verify-startup.java --no-desktop");
    }
}
