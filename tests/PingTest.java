package tests;

import lib.Config;
import lib.OpsException;
import lib.alert.Ping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tests.support.HttpReceiver;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PingTest {
    private static final String CHECK = "/0f1e2d3c-uuid-token";
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir Path home;

    @Test
    void successPostsTheSummaryToTheUrl() throws Exception {
        try (var receiver = new HttpReceiver()) {
            ping(receiver.url(CHECK), Map.of()).success("backup ok: 3 databases, 1.2 GB ü");

            var request = receiver.awaitRequests(1, WAIT).get(0);
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.path()).isEqualTo(CHECK);
            assertThat(request.contentType()).startsWith("text/plain");
            assertThat(request.body()).isEqualTo("backup ok: 3 databases, 1.2 GB ü");
        }
    }

    @Test
    void failurePostsToFail() throws Exception {
        try (var receiver = new HttpReceiver()) {
            ping(receiver.url(CHECK), Map.of()).failure("backup failed: disk full");

            var request = receiver.awaitRequests(1, WAIT).get(0);
            assertThat(request.path()).isEqualTo(CHECK + "/fail");
            assertThat(request.body()).isEqualTo("backup failed: disk full");
        }
    }

    @Test
    void failureAfterATrailingSlashHasNoDoubleSlash() throws Exception {
        try (var receiver = new HttpReceiver()) {
            ping(receiver.url(CHECK + "/"), Map.of()).failure("x");

            assertThat(receiver.awaitRequests(1, WAIT).get(0).path()).isEqualTo(CHECK + "/fail");
        }
    }

    @Test
    void failureKeepsTheQuery() throws Exception {
        try (var receiver = new HttpReceiver()) {
            ping(receiver.url("/key/backup-daily?create=1"), Map.of()).failure("x");

            assertThat(receiver.awaitRequests(1, WAIT).get(0).path()).isEqualTo("/key/backup-daily/fail?create=1");
        }
    }

    @Test
    void errorStatusNamesTheHostButNotTheCheck() {
        try (var receiver = new HttpReceiver().respond(404, "not found")) {
            OpsException e = catchThrowableOfType(OpsException.class,
                    () -> ping(receiver.url(CHECK), Map.of()).success("ok"));

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).isEqualTo("ping: HTTP 404 from " + receiver.url("") + ": not found");
            assertThat(e.oneLine()).contains("HEALTHCHECK_PING_URL").doesNotContain("uuid-token");
        }
    }

    @Test
    void serverThatHangsFailsWithinTheTimeout() {
        try (var receiver = new HttpReceiver().hang(Duration.ofSeconds(20))) {
            long start = System.nanoTime();
            OpsException e = catchThrowableOfType(OpsException.class,
                    () -> ping(receiver.url(CHECK), Map.of("ALERT_TIMEOUT_SECONDS", "2")).failure("x"));

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).isEqualTo("ping: no answer from " + receiver.url("") + " within 2 s");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
        }
    }

    @Test
    void offWithoutUrl() {
        assertThat(Ping.from(Config.load(null, Map.of(), Map.of("RA_INFRA_HOME", home.toString())))).isEmpty();
    }

    private Ping ping(String url, Map<String, String> extra) {
        Map<String, String> flags = new HashMap<>(extra);
        flags.put("HEALTHCHECK_PING_URL", url);
        return Ping.from(Config.load(null, flags, Map.of("RA_INFRA_HOME", home.toString()))).orElseThrow();
    }
}
