package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lib.Config;
import lib.ExitCode;
import lib.Log;
import lib.OpsException;
import lib.alert.Alerts;
import lib.alert.Alerts.Delivery;
import lib.alert.Alerts.Failure;
import lib.alert.Channel;
import lib.alert.Message;
import lib.alert.Webhook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tests.support.HangingServer;
import tests.support.HttpReceiver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class AlertsTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final String HEALTH = "health-check";
    private static final List<String> CHECKS = List.of("query", "disk", "connections");
    private static final Failure QUERY = critical("query", "database not answering");
    private static final Failure DISK = critical("disk", "disk almost full");
    private static final Failure DISK_WARNING = warning("disk", "disk filling up");

    @TempDir Path home;
    private final SimClock clock = new SimClock(T0);
    private final Recorder email = new Recorder("email");
    private final Recorder webhook = new Recorder("webhook");

    @Test
    void firstFailureAlertsAtOnceOnEveryChannel() {
        List<Delivery> out = check(alerts(), QUERY);

        assertThat(out).extracting(Delivery::channel, Delivery::event, Delivery::ok)
                .containsExactlyInAnyOrder(tuple("email", "alert", true), tuple("webhook", "alert", true));
        for (Recorder r : List.of(email, webhook)) {
            assertThat(r.subjects()).containsExactly("[ALERT] ra-infrastructure - database not answering");
        }
    }

    @Test
    void aWarningSaysWarningAndTheSubjectPrefixIsConfigurable() {
        check(alerts(Map.of("ALERT_SUBJECT_PREFIX", "prod-db")), DISK_WARNING);

        assertThat(email.subjects()).containsExactly("[WARNING] prod-db - disk filling up");
    }

    @Test
    void silentWhileTheFailurePersistsWithinTheWindow() {
        Alerts alerts = alerts();
        check(alerts, QUERY);
        for (Duration at : List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofSeconds(14 * 60 + 59))) {
            clock.set(T0.plus(at));
            assertThat(check(alerts, QUERY)).as("run at +%s", at).isEmpty();
        }
        assertThat(email.messages).hasSize(1);
        assertThat(webhook.messages).hasSize(1);
    }

    @Test
    void remindsEachWindowSayingHowLongItHasBeenFailing() {
        Alerts alerts = alerts();
        check(alerts, QUERY);
        clock.set(T0.plusSeconds(15 * 60));
        List<Delivery> reminder = check(alerts, QUERY);
        clock.set(T0.plusSeconds(20 * 60));
        List<Delivery> silent = check(alerts, QUERY);
        clock.set(T0.plusSeconds(30 * 60));
        check(alerts, QUERY);

        assertThat(reminder).extracting(Delivery::event).containsOnly("reminder").hasSize(2);
        assertThat(silent).isEmpty();
        assertThat(email.subjects()).containsExactly(
                "[ALERT] ra-infrastructure - database not answering",
                "[ALERT] ra-infrastructure - database not answering (failing for 15m)",
                "[ALERT] ra-infrastructure - database not answering (failing for 30m)");
        assertThat(email.messages.get(1).body()).startsWith("STILL FAILING: database not answering");
    }

    @Test
    void theWindowIsAlertRateLimitMinutes() {
        Alerts alerts = alerts(Map.of("ALERT_RATE_LIMIT_MINUTES", "5"));
        check(alerts, QUERY);
        clock.set(T0.plusSeconds(4 * 60));
        check(alerts, QUERY);
        clock.set(T0.plusSeconds(5 * 60));
        check(alerts, QUERY);

        assertThat(email.events()).containsExactly("alert", "reminder");
    }

    @Test
    void aNewTypeAlertsOnItsOwnWhileTheFirstStaysSilent() {
        Alerts alerts = alerts();
        check(alerts, QUERY);
        clock.set(T0.plusSeconds(5 * 60));
        List<Delivery> out = check(alerts, QUERY, DISK);

        assertThat(out).extracting(Delivery::subject).containsOnly("[ALERT] ra-infrastructure - disk almost full").hasSize(2);
        assertThat(email.messages.get(1).body()).contains("Also failing:").contains("query (critical)");
    }

    @Test
    void escalationFromWarningToCriticalAlertsAtOnce() {
        Alerts alerts = alerts();
        check(alerts, DISK_WARNING);
        clock.set(T0.plusSeconds(2 * 60));
        List<Delivery> escalated = check(alerts, DISK);
        clock.set(T0.plusSeconds(4 * 60));
        List<Delivery> still = check(alerts, DISK);
        clock.set(T0.plusSeconds(6 * 60));
        List<Delivery> easedOff = check(alerts, DISK_WARNING);

        assertThat(escalated).extracting(Delivery::event).containsOnly("alert").hasSize(2);
        assertThat(still).isEmpty();
        assertThat(easedOff).as("getting better is not news until it recovers").isEmpty();
        assertThat(email.subjects()).containsExactly(
                "[WARNING] ra-infrastructure - disk filling up", "[ALERT] ra-infrastructure - disk almost full");
    }

    @Test
    void recoverySendsOneNoticeWithTheDowntimeAndNeverAgain() {
        Alerts alerts = alerts();
        check(alerts, QUERY);
        clock.set(T0.plus(Duration.ofMinutes(65)));
        List<Delivery> recovered = check(alerts);
        clock.set(T0.plus(Duration.ofMinutes(66)));
        List<Delivery> next = check(alerts);
        clock.set(T0.plus(Duration.ofMinutes(90)));
        List<Delivery> later = check(alerts);

        assertThat(recovered).extracting(Delivery::channel, Delivery::event, Delivery::ok)
                .containsExactlyInAnyOrder(tuple("email", "recovered", true), tuple("webhook", "recovered", true));
        assertThat(next).isEmpty();
        assertThat(later).isEmpty();
        Message m = email.messages.get(1);
        assertThat(m.subject()).isEqualTo("[RECOVERED] ra-infrastructure - database not answering (down 1h 5m)");
        assertThat(m.body()).contains("failing from " + T0 + " to " + T0.plus(Duration.ofMinutes(65)) + " (1h 5m)")
                .contains("last seen: measured query");
        assertThat(webhook.messages).hasSize(2);
    }

    @Test
    void twoTypesClearingInOneRunSendOneNoticeNamingBoth() {
        Alerts alerts = alerts();
        check(alerts, QUERY, DISK);
        clock.set(T0.plusSeconds(10 * 60));
        List<Delivery> out = check(alerts);

        assertThat(out).hasSize(2).extracting(Delivery::event).containsOnly("recovered");
        assertThat(email.messages).hasSize(3);
        Message m = email.messages.get(2);
        assertThat(m.subject()).startsWith("[RECOVERED] ra-infrastructure - ")
                .contains("database not answering").contains("disk almost full");
        assertThat(m.body()).contains("query").contains("disk");
    }

    @Test
    void onlyTheTypesThatClearedAreRecovered() {
        Alerts alerts = alerts();
        check(alerts, QUERY, DISK);
        clock.set(T0.plusSeconds(5 * 60));
        check(alerts, QUERY);

        assertThat(email.subjects().get(2)).isEqualTo("[RECOVERED] ra-infrastructure - disk almost full (down 5m)");
        clock.set(T0.plusSeconds(6 * 60));
        assertThat(check(alerts, QUERY)).as("query is still failing and within its window").isEmpty();
    }

    @Test
    void aTypeOutsideTheRunsScopeIsNotRecovered() {
        Alerts alerts = alerts();
        check(alerts, DISK);
        clock.set(T0.plusSeconds(60));
        List<Delivery> notEvaluated = alerts.report(HEALTH, List.of("query"), List.of());
        clock.set(T0.plusSeconds(120));
        List<Delivery> evaluated = check(alerts);

        assertThat(notEvaluated).isEmpty();
        assertThat(evaluated).extracting(Delivery::event).containsOnly("recovered").hasSize(2);
    }

    @Test
    void aHealthCheckRunDoesNotRecoverABackupIncident() {
        Alerts alerts = alerts();
        alerts.report("backup", List.of("backup:inventory"), List.of(critical("backup:inventory", "backup of inventory failed")));
        clock.set(T0.plusSeconds(60));
        List<Delivery> health = alerts.report(HEALTH, List.of("query", "backup:inventory"), List.of());
        clock.set(T0.plusSeconds(120));
        List<Delivery> backup = alerts.report("backup", List.of("backup:inventory"), List.of());

        assertThat(health).isEmpty();
        assertThat(backup).extracting(Delivery::subject)
                .containsOnly("[RECOVERED] ra-infrastructure - backup of inventory failed (down 2m)");
    }

    @Test
    void aFailingChannelIsRetriedNextRunWithoutAffectingTheOther() throws Exception {
        Alerts alerts = alerts();
        email.down = true;
        List<Delivery> first = check(alerts, QUERY);
        email.down = false;
        clock.set(T0.plusSeconds(60));
        List<Delivery> second = check(alerts, QUERY);
        clock.set(T0.plusSeconds(120));
        List<Delivery> third = check(alerts, QUERY);

        assertThat(first).extracting(Delivery::channel, Delivery::ok)
                .containsExactlyInAnyOrder(tuple("email", false), tuple("webhook", true));
        assertThat(first).filteredOn(d -> !d.ok()).extracting(Delivery::error).containsExactly("down");
        assertThat(second).extracting(Delivery::channel, Delivery::event, Delivery::ok).containsExactly(tuple("email", "alert", true));
        assertThat(third).isEmpty();
        assertThat(webhook.messages).hasSize(1);
        assertThat(Files.readString(logFile())).contains("WARN").contains("alert via email failed, retried next run: down");
    }

    @Test
    void afterAChannelFailsItsOtherMessagesInThatRunAreNotTried() {
        Alerts alerts = alerts();
        email.down = true;
        List<Delivery> out = check(alerts, QUERY, DISK);

        assertThat(email.attempts.get()).isEqualTo(1);
        assertThat(out).filteredOn(d -> d.channel().equals("email")).extracting(Delivery::error)
                .containsExactly("down", "not tried: down");
        assertThat(webhook.messages).hasSize(2);
    }

    @Test
    void aRecoveryTheChannelRefusedIsSentOnTheNextRun() {
        Alerts alerts = alerts();
        check(alerts, QUERY);
        email.down = true;
        clock.set(T0.plusSeconds(10 * 60));
        List<Delivery> refused = check(alerts);
        email.down = false;
        clock.set(T0.plusSeconds(11 * 60));
        List<Delivery> retried = check(alerts);
        clock.set(T0.plusSeconds(12 * 60));
        List<Delivery> done = check(alerts);

        assertThat(refused).extracting(Delivery::channel, Delivery::ok)
                .containsExactlyInAnyOrder(tuple("email", false), tuple("webhook", true));
        assertThat(retried).extracting(Delivery::channel, Delivery::event, Delivery::ok)
                .containsExactly(tuple("email", "recovered", true));
        assertThat(email.subjects().get(1)).isEqualTo("[RECOVERED] ra-infrastructure - database not answering (down 10m)");
        assertThat(done).isEmpty();
        assertThat(webhook.events()).containsExactly("alert", "recovered");
    }

    @Test
    void aChannelThatWasNeverToldGetsNoRecovery() {
        Alerts alerts = alerts();
        email.down = true;
        check(alerts, QUERY);
        email.down = false;
        clock.set(T0.plusSeconds(60));
        check(alerts);

        assertThat(email.messages).isEmpty();
        assertThat(webhook.events()).containsExactly("alert", "recovered");
    }

    @Test
    void aFailureNoChannelHeardOfClearsSilentlyLeavingNothingPending() {
        Alerts alerts = alerts();
        email.down = true;
        webhook.down = true;
        check(alerts, QUERY);
        email.down = false;
        webhook.down = false;
        clock.set(T0.plusSeconds(60));
        List<Delivery> cleared = check(alerts);

        assertThat(cleared).isEmpty();
        assertThat(alerts.state().read().incidents).isEmpty();
        assertThat(alerts.state().read().recoveries).isEmpty();
    }

    @Test
    void warningsAreIgnoredWhenAlertOnWarningIsFalse() {
        Alerts alerts = alerts(Map.of("ALERT_ON_WARNING", "false"));
        List<Delivery> out = check(alerts, DISK_WARNING, QUERY);
        clock.set(T0.plusSeconds(30 * 60));
        check(alerts, DISK_WARNING);

        assertThat(out).extracting(Delivery::subject).containsOnly("[ALERT] ra-infrastructure - database not answering");
        assertThat(email.subjects()).noneMatch(s -> s.contains("disk"));
    }

    @Test
    void theStateSurvivesARestart() {
        check(alerts(), QUERY);
        clock.set(T0.plusSeconds(5 * 60));
        List<Delivery> afterRestart = check(alerts(), QUERY);
        clock.set(T0.plusSeconds(15 * 60));
        List<Delivery> reminder = check(alerts(), QUERY);
        clock.set(T0.plusSeconds(20 * 60));
        List<Delivery> recovered = check(alerts());

        assertThat(afterRestart).isEmpty();
        assertThat(reminder).extracting(Delivery::event).containsOnly("reminder").hasSize(2);
        assertThat(recovered).extracting(Delivery::subject)
                .containsOnly("[RECOVERED] ra-infrastructure - database not answering (down 20m)").hasSize(2);
    }

    @Test
    void aPendingRecoverySurvivesARestart() {
        check(alerts(), QUERY);
        email.down = true;
        clock.set(T0.plusSeconds(5 * 60));
        check(alerts());
        email.down = false;
        clock.set(T0.plusSeconds(6 * 60));
        List<Delivery> retried = check(alerts());

        assertThat(retried).extracting(Delivery::channel, Delivery::subject)
                .containsExactly(tuple("email", "[RECOVERED] ra-infrastructure - database not answering (down 5m)"));
    }

    @Test
    void concurrentRunsSendTheSameNewFailureOnce() throws Exception {
        List<Alerts> instances = List.of(alerts(), alerts());
        int runs = 6;
        CyclicBarrier start = new CyclicBarrier(runs);
        ExecutorService pool = Executors.newFixedThreadPool(runs);
        try {
            List<Future<List<Delivery>>> results = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                Alerts a = instances.get(i % 2);
                results.add(pool.submit(() -> {
                    start.await();
                    return check(a, QUERY);
                }));
            }
            int delivered = 0;
            for (Future<List<Delivery>> f : results) delivered += f.get(30, TimeUnit.SECONDS).size();
            assertThat(delivered).isEqualTo(2);
        } finally {
            pool.shutdownNow();
        }
        assertThat(email.messages).hasSize(1);
        assertThat(webhook.messages).hasSize(1);
    }

    @Test
    void withoutChannelsNothingIsSentOrWritten() {
        Alerts alerts = new Alerts(config(Map.of()), log(), clock, List.of());

        assertThat(alerts.report(HEALTH, CHECKS, List.of(QUERY))).isEmpty();
        assertThat(logDir().resolve("alert-state.json")).doesNotExist();
        assertThat(logDir().resolve("alert-state.lock")).doesNotExist();
    }

    @Test
    void messagesCarryTheFactsButNoConfiguredSecret() {
        Map<String, String> secrets = Map.of("SMTP_PASSWORD", "smtp-Pa55word", "PGPASSWORD", "pg-Pa55word",
                "WEBHOOK_URL", "https://hooks.example.com/services/T0/B0/tOkEn123");
        Alerts alerts = alerts(secrets);
        check(alerts, QUERY);
        clock.set(T0.plusSeconds(15 * 60));
        check(alerts, QUERY);
        clock.set(T0.plusSeconds(16 * 60));
        check(alerts);

        assertThat(email.events()).containsExactly("alert", "reminder", "recovered");
        for (Message m : email.messages) {
            for (String secret : List.of("smtp-Pa55word", "pg-Pa55word", "tOkEn123", "hooks.example.com")) {
                assertThat(m.text()).doesNotContain(secret);
            }
            assertThat(m.body()).contains(Alerts.host());
        }
        assertThat(email.messages.get(0).body()).contains("measured query", "do something about query",
                "docs/alerts.md#query", "Host:", T0.toString());
    }

    @Test
    void throughARealWebhookA500IsRetriedOnTheNextRun() throws Exception {
        try (HttpReceiver receiver = new HttpReceiver().respond(500, "upstream broke")) {
            Map<String, String> cfg = Map.of("WEBHOOK_URL", receiver.url("/hooks/T0/sEcReT"), "ALERT_TIMEOUT_SECONDS", "5");
            Channel hook = Webhook.from(config(cfg)).orElseThrow();
            Alerts alerts = new Alerts(config(cfg), log(), clock, List.of(hook));

            List<Delivery> refused = check(alerts, QUERY);
            receiver.respond(200, "ok");
            clock.set(T0.plusSeconds(60));
            List<Delivery> retried = check(alerts, QUERY);
            clock.set(T0.plusSeconds(120));
            List<Delivery> silent = check(alerts, QUERY);
            clock.set(T0.plusSeconds(180));
            List<Delivery> recovered = check(alerts);

            assertThat(refused).singleElement().satisfies(d -> {
                assertThat(d.ok()).isFalse();
                assertThat(d.error()).contains("HTTP 500").contains("upstream broke").doesNotContain("sEcReT");
            });
            assertThat(retried).extracting(Delivery::event, Delivery::ok).containsExactly(tuple("alert", true));
            assertThat(silent).isEmpty();
            assertThat(recovered).extracting(Delivery::event, Delivery::ok).containsExactly(tuple("recovered", true));
            List<HttpReceiver.Request> requests = receiver.awaitRequests(3, Duration.ofSeconds(5));
            assertThat(requests).hasSize(3);
            assertThat(json(requests.get(1)).get("subject").asText()).isEqualTo("[ALERT] ra-infrastructure - database not answering");
            assertThat(json(requests.get(2)).get("event").asText()).isEqualTo("recovered");
            assertThat(requests).allSatisfy(r -> assertThat(r.body()).doesNotContain("sEcReT"));
        }
    }

    @Test
    void channelsThatHangEndByOneDeadlineAndTheirAlertsAreSentByTheNextRun() throws Exception {
        try (HangingServer hung1 = new HangingServer(); HangingServer hung2 = new HangingServer()) {
            Map<String, String> slow = Map.of("ALERT_TIMEOUT_SECONDS", "30", "ALERT_DEADLINE_SECONDS", "1");
            Channel a = Webhook.from(config(Map.of("WEBHOOK_URL", hung1.url("/a"), "ALERT_TIMEOUT_SECONDS", "30"))).orElseThrow();
            Channel b = Webhook.from(config(Map.of("WEBHOOK_URL", hung2.url("/b"), "ALERT_TIMEOUT_SECONDS", "30"))).orElseThrow();
            Channel second = named("email", b);
            long start = System.nanoTime();
            List<Delivery> out = check(new Alerts(config(slow), log(), clock, List.of(a, second)), QUERY, DISK);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not 30 s per channel").isLessThan(Duration.ofSeconds(20));
            assertThat(out).hasSize(4).allSatisfy(d -> assertThat(d.ok()).isFalse()).allSatisfy(d -> assertThat(d.error())
                    .isEqualTo("no answer within 1 s (ALERT_DEADLINE_SECONDS); retried next run"));
        }
        clock.set(T0.plusSeconds(60));
        List<Delivery> retried = check(alerts(), QUERY, DISK);
        assertThat(retried).extracting(Delivery::channel, Delivery::event, Delivery::ok).containsExactlyInAnyOrder(
                tuple("email", "alert", true), tuple("email", "alert", true), tuple("webhook", "alert", true), tuple("webhook", "alert", true));
    }

    /** {@code ch} under another channel name. */
    private static Channel named(String name, Channel ch) {
        return new Channel() {
            @Override public String name() { return name; }

            @Override public void send(Message m) { ch.send(m); }
        };
    }

    @Test
    void aOneOffEventIsSentOncePerWindowPerChannelAndOpensNoIncident() {
        Alerts alerts = alerts();
        Failure ok = new Failure("startup", "ok", "started OK after reboot, took 42 s", "docker engine ok", null, null);

        assertThat(alerts.event("startup:ok", ok)).extracting(Delivery::ok).containsExactly(true, true);
        clock.set(T0.plus(Duration.ofMinutes(2)));
        assertThat(alerts.event("startup:ok", ok)).as("the logon trigger right after the boot trigger").isEmpty();
        webhook.down = true;
        clock.set(T0.plus(Duration.ofMinutes(16)));
        assertThat(alerts.event("startup:ok", ok)).extracting(Delivery::channel, Delivery::ok)
                .containsExactlyInAnyOrder(tuple("email", true), tuple("webhook", false));
        webhook.down = false;
        clock.set(T0.plus(Duration.ofMinutes(17)));
        assertThat(alerts.event("startup:ok", ok)).as("a channel that failed is not counted as told")
                .extracting(Delivery::channel).containsExactly("webhook");

        assertThat(email.subjects()).containsExactly("[OK] ra-infrastructure - started OK after reboot, took 42 s",
                "[OK] ra-infrastructure - started OK after reboot, took 42 s");
        assertThat(email.messages.get(0).body()).contains("Detail:").contains("docker engine ok").contains("Host:");
        assertThat(alerts.state().read().incidents).isEmpty();
        assertThat(check(alerts)).as("no recovery notice follows an event").isEmpty();
    }

    @Test
    void aFailedStartupEventSaysAlertWithTheActionAndADifferentKeyIsNotHeldBack() {
        Alerts alerts = alerts();
        alerts.event("startup:ok", new Failure("startup", "ok", "started OK after reboot, took 5 s", "fine", null, null));
        clock.set(T0.plus(Duration.ofMinutes(1)));
        List<Delivery> out = alerts.event("startup:docker", new Failure("startup", "critical",
                "startup after reboot failed at docker engine: no answer within 300 s", "docker engine critical: no answer",
                "start Docker Desktop", "docs/alerts.md#startup"));

        assertThat(out).extracting(Delivery::ok).containsExactly(true, true);
        Message m = email.messages.get(1);
        assertThat(m.subject()).isEqualTo("[ALERT] ra-infrastructure - startup after reboot failed at docker engine: no answer within 300 s");
        assertThat(m.body()).contains("Action:").contains("start Docker Desktop").contains("docs/alerts.md#startup");
    }

    private List<Delivery> check(Alerts alerts, Failure... failing) {
        return alerts.report(HEALTH, CHECKS, List.of(failing));
    }

    private Alerts alerts() { return alerts(Map.of()); }

    private Alerts alerts(Map<String, String> settings) {
        return new Alerts(config(settings), log(), clock, List.of(email, webhook));
    }

    private Config config(Map<String, String> settings) {
        Map<String, String> flags = new HashMap<>(settings);
        flags.put("LOG_DIR", logDir().toString());
        return Config.load(null, flags, Map.of("RA_INFRA_HOME", home.toString()));
    }

    private Log log() { return new Log(logDir(), "health-check"); }

    private Path logDir() { return home.resolve("logs"); }

    private Path logFile() { return logDir().resolve("health-check.log"); }

    private static JsonNode json(HttpReceiver.Request r) throws Exception { return new ObjectMapper().readTree(r.body()); }

    private static Failure critical(String type, String title) { return failure(type, "critical", title); }

    private static Failure warning(String type, String title) { return failure(type, "warning", title); }

    private static Failure failure(String type, String severity, String title) {
        return new Failure(type, severity, title, "measured " + type, "do something about " + type, "docs/alerts.md#" + type);
    }

    private static org.assertj.core.groups.Tuple tuple(Object... values) { return org.assertj.core.groups.Tuple.tuple(values); }

    /** A clock the test moves, so rate-limit windows pass without waiting. */
    static final class SimClock extends Clock {
        private volatile Instant now;

        SimClock(Instant start) { this.now = start; }

        void set(Instant at) { now = at; }

        @Override
        public Instant instant() { return now; }

        @Override
        public ZoneId getZone() { return ZoneOffset.UTC; }

        @Override
        public Clock withZone(ZoneId zone) { return this; }
    }

    /** A channel that keeps what it was sent, and can be switched to fail like an unreachable server. */
    static final class Recorder implements Channel {
        final List<Message> messages = new CopyOnWriteArrayList<>();
        final AtomicInteger attempts = new AtomicInteger();
        volatile boolean down;
        private final String name;

        Recorder(String name) { this.name = name; }

        @Override
        public String name() { return name; }

        @Override
        public void send(Message message) {
            attempts.incrementAndGet();
            if (down) throw new OpsException(ExitCode.UNAVAILABLE, "down", null);
            messages.add(message);
        }

        List<String> subjects() { return messages.stream().map(Message::subject).toList(); }

        List<String> events() { return messages.stream().map(Message::event).toList(); }
    }
}
