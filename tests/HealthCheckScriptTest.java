package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lib.ScratchServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.HangingServer;
import tests.support.HttpReceiver;
import tests.support.Scripts;
import tests.support.SmtpServer;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.*;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end through {@code ./jbang health-check.java} as the scheduler runs it: exit codes, the log
 * and metrics lines, and alerts that really arrive (SMTP with STARTTLS + AUTH, a webhook, a dead-man
 * ping) once per failure, then one recovery notice. Channel and config faults never hide the verdict.
 */
class HealthCheckScriptTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SMTP_USER = "ops@example.com";
    private static final String SMTP_PASSWORD = "smtp 's3cret\" pw";

    private Path home;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeEach
    void newHome() { home = Fixtures.home(); }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : closeAfter) c.close();
    }

    /** Direct mode on the trust cluster, thresholds this machine's disk will not cross, no backup demands. */
    private Map<String, String> env(String... overrides) {
        Map<String, String> env = Fixtures.env(Fixtures.trustCluster(), home);
        env.putAll(Map.of("PGDATABASE", "postgres", "DISK_WARN_PERCENT", "99", "DISK_CRITICAL_PERCENT", "100",
                "SCHEDULED_TYPES", "", "CHECK_TIMEOUT_SECONDS", "5"));
        for (int i = 0; i + 1 < overrides.length; i += 2) env.put(overrides[i], overrides[i + 1]);
        return env;
    }

    private SmtpServer smtp() {
        SmtpServer s = SmtpServer.start(SmtpServer.Tls.STARTTLS_REQUIRED, SMTP_USER, SMTP_PASSWORD);
        closeAfter.add(s);
        return s;
    }

    private HttpReceiver http() {
        HttpReceiver r = new HttpReceiver();
        closeAfter.add(r);
        return r;
    }

    /** Channel settings go in config/monitoring.env, where an operator puts them. */
    private void monitoringEnv(String... lines) throws Exception {
        Files.createDirectories(home.resolve("config"));
        Files.writeString(home.resolve("config/monitoring.env"), String.join("\n", lines) + "\n");
    }

    private void emailTo(SmtpServer s) throws Exception {
        monitoringEnv("SMTP_HOST=127.0.0.1", "SMTP_PORT=" + s.port(), "SMTP_SECURITY=starttls", "SMTP_USER=" + SMTP_USER,
                "SMTP_PASSWORD='" + SMTP_PASSWORD + "'", "SMTP_CA_FILE=" + SmtpServer.caFile(),
                "ALERT_EMAIL=oncall@example.com, boss@example.com");
    }

    private void allChannels(SmtpServer mail, String webhook, String ping) throws Exception {
        emailTo(mail);
        Files.writeString(home.resolve("config/monitoring.env"), "WEBHOOK_URL=" + webhook + "\nHEALTHCHECK_PING_URL=" + ping + "\n",
                StandardOpenOption.APPEND);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private String read(String logFile) throws Exception {
        Path f = home.resolve("logs").resolve(logFile);
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }

    @Test
    void aHealthySystemExitsZeroAndWritesOneLogLineAndOneMetricsLine() throws Exception {
        SmtpServer mail = smtp();
        emailTo(mail);
        Scripts.Run run = Scripts.run(env(), "health-check.java");
        assertThat(run.exit()).as(run.all()).isEqualTo(0);
        assertThat(run.out()).contains("CHECK").contains("query").contains("SELECT 1").containsPattern("(?m)^healthy \\(\\d+ ms\\)$");
        assertThat(read("health-check.log").lines()).hasSize(1).allMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT.*Z INFO \\[\\d+] healthy \\(8 checks in \\d+ ms\\)"));
        List<String> metrics = read("metrics.jsonl").lines().toList();
        assertThat(metrics).hasSize(1);
        JsonNode m = JSON.readTree(metrics.get(0));
        assertThat(m.path("status").asText()).isEqualTo("healthy");
        assertThat(m.path("checks").path("query").path("values").path("latencyMs").isNumber()).isTrue();
        assertThat(m.path("checks").path("connections").path("values").path("max").asInt()).isPositive();
        assertThat(mail.messages()).as("nothing failing, nothing sent").isEmpty();
    }

    @Test
    void warningsAloneExitZeroAndSaySo() {
        Scripts.Run run = Scripts.run(env("CONNECTIONS_WARN_PERCENT", "1"), "health-check.java", "--only", "query,connections");
        assertThat(run.exit()).as(run.all()).isEqualTo(0);
        assertThat(run.out()).contains("WARNING").contains("healthy, 1 warning").contains("warnings alone exit 0");
    }

    @Test
    void anOutageAlertsOnceOnEveryChannelThenSendsOneRecoveredNotice() throws Exception {
        SmtpServer mail = smtp();
        HttpReceiver hook = http();
        HttpReceiver ping = http();
        allChannels(mail, hook.url("/hooks/T0KEN"), ping.url("/ping/uuid-1"));
        Map<String, String> down = env("PGPORT", String.valueOf(freePort()));

        Scripts.Run first = Scripts.run(down, "health-check.java");
        assertThat(first.exit()).as(first.all()).isEqualTo(1);
        assertThat(first.out()).contains("UNHEALTHY: 1 critical").contains("alert via email: sent [ALERT] ra-infrastructure - database not answering SELECT 1")
                .contains("alert via webhook: sent").contains("dead-man ping: ok");
        List<SmtpServer.Received> alerts = mail.awaitMessages(1, Duration.ofSeconds(10));
        assertThat(alerts).hasSize(1);
        SmtpServer.Received a = alerts.get(0);
        assertThat(a.subject()).isEqualTo("[ALERT] ra-infrastructure - database not answering SELECT 1");
        assertThat(a.recipients()).containsExactlyInAnyOrder("oncall@example.com", "boss@example.com");
        assertThat(a.body()).contains("Check:").contains("query (critical)").contains("connection refused").contains("Host:")
                .contains("Action:").contains("Runbook:").contains("docs/alerts.md#query").doesNotContain(SMTP_PASSWORD);
        assertThat(mail.logins()).contains(SMTP_USER);
        assertThat(hook.requests()).hasSize(1);
        JsonNode posted = JSON.readTree(hook.requests().get(0).body());
        assertThat(posted.path("text").asText()).startsWith("[ALERT] ra-infrastructure - database not answering SELECT 1");
        assertThat(ping.requests()).extracting(HttpReceiver.Request::path).containsExactly("/ping/uuid-1/fail");

        Scripts.Run second = Scripts.run(down, "health-check.java");
        assertThat(second.exit()).isEqualTo(1);
        assertThat(second.out()).doesNotContain("alert via");
        assertThat(mail.messages()).as("no repeat inside the rate-limit window").hasSize(1);
        assertThat(hook.requests()).hasSize(1);

        Scripts.Run fixed = Scripts.run(env(), "health-check.java");
        assertThat(fixed.exit()).as(fixed.all()).isEqualTo(0);
        List<SmtpServer.Received> all = mail.awaitMessages(2, Duration.ofSeconds(10));
        assertThat(all.get(1).subject()).startsWith("[RECOVERED] ra-infrastructure - database not answering SELECT 1 (down ");
        assertThat(hook.awaitRequests(2, Duration.ofSeconds(10)).get(1).body()).contains("RECOVERED");
        assertThat(ping.requests()).extracting(HttpReceiver.Request::path).endsWith("/ping/uuid-1");
        Scripts.Run again = Scripts.run(env(), "health-check.java");
        assertThat(again.exit()).isEqualTo(0);
        assertThat(mail.messages()).as("exactly one recovery notice").hasSize(2);
        String logs = read("health-check.log");
        assertThat(logs).contains("UNHEALTHY").contains("alert sent via email").doesNotContain(SMTP_PASSWORD).doesNotContain("T0KEN");
    }

    @Test
    void aFailingChannelIsReportedKeepsTheVerdictAndIsRetriedNextRun() throws Exception {
        HttpReceiver hook = http().respond(500, "internal error");
        monitoringEnv("WEBHOOK_URL=" + hook.url("/hooks/T0KEN"), "SMTP_HOST=127.0.0.1", "SMTP_PORT=" + freePort(),
                "ALERT_EMAIL=oncall@example.com", "ALERT_TIMEOUT_SECONDS=3");
        Map<String, String> down = env("PGPORT", String.valueOf(freePort()));
        Scripts.Run first = Scripts.run(down, "health-check.java");
        assertThat(first.exit()).as("the database's health decides the exit code").isEqualTo(1);
        assertThat(first.out()).contains("alert via webhook: FAILED").contains("HTTP 500").doesNotContain("T0KEN")
                .contains("alert via email: FAILED").contains("cannot connect");
        assertThat(read("health-check.log")).contains("WARN").contains("retried next run");

        hook.respond(200, "ok");
        Scripts.Run second = Scripts.run(down, "health-check.java");
        assertThat(second.out()).contains("alert via webhook: sent [ALERT] ra-infrastructure - database not answering SELECT 1");
        assertThat(hook.requests()).hasSize(2);
    }

    @Test
    void hangingMailWebhookAndPingServersEndTheRunByOneDeadlineAndTheAlertsWaitForTheNextRun() throws Exception {
        HangingServer mail = new HangingServer();
        HangingServer hook = new HangingServer();
        HangingServer ping = new HangingServer();
        closeAfter.addAll(List.of(mail, hook, ping));
        // Each channel alone may wait 30 s; in turn they would take over a minute.
        monitoringEnv("SMTP_HOST=127.0.0.1", "SMTP_PORT=" + mail.port(), "SMTP_SECURITY=none", "ALERT_EMAIL=oncall@example.com",
                "WEBHOOK_URL=" + hook.url("/hooks/T0KEN"), "HEALTHCHECK_PING_URL=" + ping.url("/ping/uuid-1"),
                "ALERT_TIMEOUT_SECONDS=30");
        Map<String, String> down = env("PGPORT", String.valueOf(freePort()));
        Scripts.run(down, "health-check.java", "--version");   // a first run may build the script: not timed
        long start = System.nanoTime();
        Scripts.Run first = Scripts.run(down, "health-check.java");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("ends by one deadline, not after 30 s per channel in turn")
                .isLessThan(Duration.ofSeconds(30));
        assertThat(first.exit()).as(first.all()).isEqualTo(1);
        assertThat(first.out()).contains("alert via email: FAILED").contains("alert via webhook: FAILED")
                .contains("no answer within 5 s (ALERT_DEADLINE_SECONDS); retried next run")
                .contains("dead-man ping: failed: no answer within 5 s");
        assertThat(List.of(mail, hook, ping)).allSatisfy(s -> assertThat(s.connections()).as("every channel was tried").isPositive());
        JsonNode state = JSON.readTree(home.resolve("logs/alert-state.json").toFile());
        assertThat(state.path("incidents").path("query").path("sent").size()).as("queued: no channel marked as told").isZero();

        HttpReceiver working = http();
        monitoringEnv("WEBHOOK_URL=" + working.url("/hooks/T0KEN"));
        Scripts.Run second = Scripts.run(down, "health-check.java");
        assertThat(second.out()).contains("alert via webhook: sent [ALERT] ra-infrastructure - database not answering SELECT 1");
        assertThat(working.requests()).hasSize(1);
    }

    @Test
    void aWrongSmtpPasswordIsNamedWithoutShowingIt() throws Exception {
        SmtpServer mail = smtp();
        monitoringEnv("SMTP_HOST=127.0.0.1", "SMTP_PORT=" + mail.port(), "SMTP_USER=" + SMTP_USER, "SMTP_PASSWORD=wr0ng-pw",
                "SMTP_CA_FILE=" + SmtpServer.caFile(), "ALERT_EMAIL=oncall@example.com");
        Scripts.Run run = Scripts.run(env(), "health-check.java", "--test-alert");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.all()).contains("email").contains("FAILED").containsIgnoringCase("authentication").doesNotContain("wr0ng-pw");
        assertThat(read("health-check.log")).doesNotContain("wr0ng-pw");
        assertThat(mail.messages()).isEmpty();
    }

    @Test
    void testAlertReachesEveryChannelAndReportsEach() throws Exception {
        SmtpServer mail = smtp();
        HttpReceiver hook = http();
        HttpReceiver ping = http();
        allChannels(mail, hook.url("/h"), ping.url("/p"));
        Scripts.Run run = Scripts.run(env(), "health-check.java", "--test-alert", "--json");
        assertThat(run.exit()).as(run.all()).isEqualTo(0);
        JsonNode out = JSON.readTree(run.out());
        assertThat(out.path("channels").findValuesAsText("channel")).containsExactlyInAnyOrder("email", "webhook", "ping");
        assertThat(out.path("channels").findValues("ok")).allMatch(JsonNode::asBoolean);
        assertThat(mail.awaitMessages(1, Duration.ofSeconds(10)).get(0).subject()).startsWith("[TEST] ra-infrastructure - test alert from ");
        assertThat(hook.requests()).hasSize(1);
        assertThat(ping.requests()).extracting(HttpReceiver.Request::path).containsExactly("/p");

        Path bare = Fixtures.home();
        Scripts.Run none = Scripts.run(Map.of("RA_INFRA_HOME", bare.toString()), "health-check.java", "--test-alert");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("no alert channel configured").contains("HINT");
    }

    @Test
    void configErrorsExitTwoWithTheKeyAndTheFix() throws Exception {
        Map<String, String> env = env();
        monitoringEnv("SMTP_HOST=smtp.gmail.com", "ALERT_EMIAL=oncall@example.com");
        Scripts.Run unknown = Scripts.run(env, "health-check.java");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown key ALERT_EMIAL").contains("HINT");
        monitoringEnv("SMTP_HOST=smtp.gmail.com");
        Scripts.Run badNumber = Scripts.run(env("CHECK_TIMEOUT_SECONDS", "5s"), "health-check.java");
        assertThat(badNumber.exit()).isEqualTo(2);
        assertThat(badNumber.err()).contains("CHECK_TIMEOUT_SECONDS").contains("a whole number from 1 to 60").contains("5s");
        Scripts.Run badCheck = Scripts.run(env, "health-check.java", "--only", "qurey");
        assertThat(badCheck.exit()).isEqualTo(2);
        assertThat(badCheck.err()).contains("unknown check qurey");
    }

    @Test
    void aCorruptStateFileIsSetAsideWithAWarningAndTheRunGoesOn() throws Exception {
        HttpReceiver hook = http();
        monitoringEnv("WEBHOOK_URL=" + hook.url("/h"));
        Files.createDirectories(home.resolve("logs"));
        Files.writeString(home.resolve("logs/alert-state.json"), "{\"incidents\": {\"query\": [truncated");
        Scripts.Run run = Scripts.run(env("PGPORT", String.valueOf(freePort())), "health-check.java", "--json");
        assertThat(run.exit()).as(run.all()).isEqualTo(1);
        JsonNode out = JSON.readTree(run.out());
        assertThat(out.path("status").asText()).isEqualTo("unhealthy");
        assertThat(out.path("alerts").get(0).path("ok").asBoolean()).isTrue();
        assertThat(read("health-check.log")).contains("unreadable").contains("starting afresh");
        assertThat(JSON.readTree(home.resolve("logs/alert-state.json").toFile()).path("incidents").has("query")).isTrue();
        try (var files = Files.list(home.resolve("logs"))) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("alert-state.corrupt-"));
        }
    }

    @Test
    void jsonOutputCarriesEveryCheckWithValues() throws Exception {
        Scripts.Run run = Scripts.run(env(), "health-check.java", "--json", "--dry-run");
        assertThat(run.exit()).as(run.all()).isEqualTo(0);
        JsonNode out = JSON.readTree(run.out());
        assertThat(out.path("status").asText()).isEqualTo("healthy");
        assertThat(out.path("exitCode").asInt()).isZero();
        assertThat(out.path("checks").findValuesAsText("check"))
                .containsExactly("ready", "query", "disk", "connections", "long-queries", "replication", "backups", "restores");
        assertThat(out.path("checks").get(1).path("values").path("latencyMs").isNumber()).isTrue();
        assertThat(home.resolve("logs/metrics.jsonl")).as("--dry-run writes nothing").doesNotExist();
    }
}
