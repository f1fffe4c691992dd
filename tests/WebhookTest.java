package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lib.Config;
import lib.ExitCode;
import lib.OpsException;
import lib.alert.Message;
import lib.alert.Webhook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tests.support.HttpReceiver;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class WebhookTest {
    private static final String TOKEN_PATH = "/services/T0001/B0002/sEcReTtOkEn";
    private static final Message MESSAGE = new Message("alert", "critical", "Backup failed ü 🚨", "pg_dump exited 1");

    @TempDir Path home;

    @Test
    void postsJsonWithTextSubjectEventAndSeverity() throws Exception {
        try (var receiver = new HttpReceiver()) {
            webhook(receiver.url(TOKEN_PATH), Map.of()).send(MESSAGE);

            var request = receiver.awaitRequests(1, Duration.ofSeconds(5)).get(0);
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.path()).isEqualTo(TOKEN_PATH);
            assertThat(request.contentType()).isEqualTo("application/json");
            JsonNode json = new ObjectMapper().readTree(request.body());
            assertThat(json.get("text").asText()).isEqualTo(MESSAGE.text());
            assertThat(json.get("subject").asText()).isEqualTo(MESSAGE.subject());
            assertThat(json.get("event").asText()).isEqualTo("alert");
            assertThat(json.get("severity").asText()).isEqualTo("critical");
        }
    }

    @Test
    void any2xxIsSuccess() {
        try (var receiver = new HttpReceiver().respond(204, "")) {
            webhook(receiver.url(TOKEN_PATH), Map.of()).send(MESSAGE);
            assertThat(receiver.requests()).hasSize(1);
        }
    }

    @Test
    void serverErrorNamesStatusAndBodyButNotTheToken() {
        try (var receiver = new HttpReceiver().respond(500, "internal failure " + "x".repeat(500))) {
            OpsException e = sendFails(webhook(receiver.url(TOKEN_PATH), Map.of()));

            String origin = receiver.url("");
            assertThat(e.getMessage()).startsWith("webhook: HTTP 500 from " + origin + ": internal failure xxx");
            assertThat(e.getMessage()).hasSizeLessThan(("webhook: HTTP 500 from " + origin + ": ").length() + 201);
            assertThat(e.oneLine()).doesNotContain("sEcReTtOkEn").doesNotContain("/services");
            assertThat(e.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
        }
    }

    @Test
    void serverThatHangsFailsWithinTheTimeout() {
        try (var receiver = new HttpReceiver().hang(Duration.ofSeconds(20))) {
            long start = System.nanoTime();
            OpsException e = sendFails(webhook(receiver.url(TOKEN_PATH), Map.of("ALERT_TIMEOUT_SECONDS", "2")));

            assertThat(e.getMessage()).isEqualTo("webhook: no answer from " + receiver.url("") + " within 2 s");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
        }
    }

    @Test
    void closedPortIsAConnectionError() throws Exception {
        int port;
        try (var closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        OpsException e = sendFails(webhook("http://127.0.0.1:" + port + TOKEN_PATH, Map.of()));

        assertThat(e.getMessage()).startsWith("webhook: cannot connect to http://127.0.0.1:" + port + " (");
        assertThat(e.oneLine()).doesNotContain("sEcReTtOkEn");
    }

    @Test
    void invalidUrlIsRejectedWithoutEchoingIt() {
        OpsException e = catchThrowableOfType(OpsException.class,
                () -> webhook("https://[hooks.example.com/sEcReTtOkEn", Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(e.oneLine()).contains("WEBHOOK_URL").doesNotContain("sEcReTtOkEn");
    }

    @Test
    void offWithoutUrl() {
        assertThat(Webhook.from(Config.load(null, Map.of(), Map.of("RA_INFRA_HOME", home.toString())))).isEmpty();
    }

    private Webhook webhook(String url, Map<String, String> extra) {
        Map<String, String> flags = new HashMap<>(extra);
        flags.put("WEBHOOK_URL", url);
        return Webhook.from(Config.load(null, flags, Map.of("RA_INFRA_HOME", home.toString()))).orElseThrow();
    }

    private static OpsException sendFails(Webhook webhook) {
        OpsException e = catchThrowableOfType(OpsException.class, () -> webhook.send(MESSAGE));
        assertThat(e).as("send must fail").isNotNull();
        return e;
    }
}
