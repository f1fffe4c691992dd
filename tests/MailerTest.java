package tests;

import lib.Config;
import lib.ExitCode;
import lib.OpsException;
import lib.alert.Mailer;
import lib.alert.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tests.support.SmtpServer;
import tests.support.SmtpServer.Tls;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.abort;

class MailerTest {
    private static final String USER = "alerts@example.com";
    private static final String PASSWORD = "s3cret-Pässw0rd!";
    private static final Message MESSAGE = new Message("alert", "critical", "Disk almost full ü 🚨",
            "Free space on /var/lib/postgresql: 3 %\nGrüße vom Server 🚨");
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir Path home;

    @Test
    void deliversOverStartTlsWithAuthToTwoRecipients() throws Exception {
        try (var smtp = SmtpServer.start(Tls.STARTTLS_REQUIRED, USER, PASSWORD)) {
            mailer(smtp, "starttls", Map.of("SMTP_USER", USER, "SMTP_PASSWORD", PASSWORD,
                    "ALERT_EMAIL", "ops@example.com, dba@example.org")).send(MESSAGE);

            var got = smtp.awaitMessages(1, WAIT).get(0);
            assertThat(got.recipients()).containsExactly("ops@example.com", "dba@example.org");
            assertThat(got.from()).isEqualTo(USER);
            assertThat(got.subject()).isEqualTo(MESSAGE.subject());
            assertThat(got.body()).isEqualTo(MESSAGE.body());
            assertThat(got.headers()).contains("X-Mailer: ra-infrastructure", "\r\nDate: ",
                    "To: ops@example.com, dba@example.org");
            assertThat(smtp.logins()).containsExactly(USER);
        }
    }

    @Test
    void deliversOverImplicitTls() throws Exception {
        try (var smtp = SmtpServer.start(Tls.SSL, USER, PASSWORD)) {
            mailer(smtp, "ssl", Map.of("SMTP_USER", USER, "SMTP_PASSWORD", PASSWORD)).send(MESSAGE);

            assertThat(smtp.awaitMessages(1, WAIT).get(0).subject()).isEqualTo(MESSAGE.subject());
        }
    }

    @Test
    void wrongPasswordIsAnAuthenticationErrorThatHidesThePassword() {
        try (var smtp = SmtpServer.start(Tls.STARTTLS_REQUIRED, USER, PASSWORD)) {
            String wrong = "wr0ng-Secret-" + PASSWORD;
            OpsException e = sendFails(mailer(smtp, "starttls", Map.of("SMTP_USER", USER, "SMTP_PASSWORD", wrong)));

            assertThat(e.getMessage()).isEqualTo("email: authentication failed for user " + USER);
            assertThat(e.hint()).contains("app password");
            assertThat(e.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
            assertThat(e.oneLine()).doesNotContain(wrong).doesNotContain(PASSWORD);
            assertThat(smtp.logins()).containsExactly(USER);
            assertThat(smtp.messages()).isEmpty();
        }
    }

    @Test
    void serverDownFailsQuicklyNamingHostAndPort() throws Exception {
        int port;
        try (var closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        long start = System.nanoTime();
        OpsException e = sendFails(Mailer.from(config(Map.of("SMTP_HOST", "127.0.0.1", "SMTP_PORT", "" + port,
                "ALERT_EMAIL", "ops@example.com"))).orElseThrow());

        assertThat(e.getMessage()).startsWith("email: cannot connect to 127.0.0.1:" + port + " (");
        assertThat(e.hint()).contains("SMTP_HOST/SMTP_PORT");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void serverThatNeverAnswersFailsWithinTheTimeout() throws Exception {
        // The kernel completes the TCP handshake for the backlog; nobody ever reads or writes.
        try (var silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            OpsException e = sendFails(Mailer.from(config(Map.of("SMTP_HOST", "127.0.0.1",
                    "SMTP_PORT", "" + silent.getLocalPort(), "ALERT_EMAIL", "ops@example.com",
                    "ALERT_TIMEOUT_SECONDS", "2"))).orElseThrow());

            assertThat(e.getMessage()).isEqualTo("email: no answer from 127.0.0.1:" + silent.getLocalPort() + " within 2 s");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
        }
    }

    @Test
    void startTlsRefusesAServerWithoutStartTlsBeforeSendingAnything() {
        try (var smtp = SmtpServer.start(Tls.NONE, USER, PASSWORD)) {
            OpsException e = sendFails(mailer(smtp, "starttls", Map.of("SMTP_USER", USER, "SMTP_PASSWORD", PASSWORD)));

            assertThat(e.getMessage()).isEqualTo("email: server 127.0.0.1:" + smtp.port() + " does not offer STARTTLS");
            assertThat(smtp.logins()).as("no password sent in plain text").isEmpty();
            assertThat(smtp.messages()).isEmpty();
        }
    }

    @Test
    void plainTextAgainstAServerRequiringStartTlsNamesTheFix() {
        try (var smtp = SmtpServer.start(Tls.STARTTLS_REQUIRED)) {
            OpsException e = sendFails(mailer(smtp, "none", Map.of()));

            assertThat(e.getMessage()).isEqualTo("email: server 127.0.0.1:" + smtp.port() + " requires STARTTLS");
            assertThat(e.hint()).isEqualTo("set SMTP_SECURITY=starttls");
            assertThat(smtp.messages()).isEmpty();
        }
    }

    @Test
    void untrustedCertificateIsAClearTlsError() {
        try (var smtp = SmtpServer.start(Tls.STARTTLS)) {
            Map<String, String> flags = new HashMap<>(settings(smtp, "starttls"));
            flags.remove("SMTP_CA_FILE");
            OpsException e = sendFails(Mailer.from(config(flags)).orElseThrow());

            assertThat(e.getMessage()).isEqualTo("email: TLS certificate of 127.0.0.1:" + smtp.port() + " is not trusted");
            assertThat(e.hint()).contains("SMTP_CA_FILE");
            assertThat(smtp.messages()).isEmpty();
        }
    }

    @Test
    void certificateForAnotherNameIsRejected() throws Exception {
        SmtpServer other;
        try {
            other = SmtpServer.start(Tls.STARTTLS, InetAddress.getByName("127.0.0.2"));
        } catch (RuntimeException e) {
            abort("cannot listen on 127.0.0.2 (all of 127/8 is loopback on Linux only): " + e.getMessage());
            return;
        }
        try (var smtp = other) {
            // Trusted certificate (SMTP_CA_FILE), but it names only localhost and 127.0.0.1.
            OpsException e = sendFails(mailer(smtp, "starttls", Map.of("SMTP_HOST", "127.0.0.2")));

            assertThat(e.getMessage()).isEqualTo("email: TLS certificate of 127.0.0.2:" + smtp.port()
                    + " is not valid for the name 127.0.0.2");
            assertThat(smtp.messages()).isEmpty();
        }
    }

    @Test
    void credentialsAreNeverDroppedWhenTheServerOffersNoLogin() {
        try (var smtp = SmtpServer.start(Tls.STARTTLS_REQUIRED, USER, PASSWORD)) {
            // Without STARTTLS the server hides AUTH; sending unauthenticated would be refused or worse, relayed.
            OpsException e = sendFails(mailer(smtp, "none", Map.of("SMTP_USER", USER, "SMTP_PASSWORD", PASSWORD)));

            assertThat(e.getMessage()).isEqualTo("email: server 127.0.0.1:" + smtp.port() + " offers no login (AUTH) on this connection");
            assertThat(e.hint()).contains("SMTP_SECURITY=starttls");
            assertThat(smtp.logins()).isEmpty();
            assertThat(smtp.messages()).isEmpty();
        }
    }

    @Test
    void serverRequiringLoginWithoutCredentialsNamesTheFix() {
        try (var smtp = SmtpServer.start(Tls.STARTTLS, USER, PASSWORD)) {
            OpsException e = sendFails(mailer(smtp, "starttls", Map.of()));

            assertThat(e.getMessage()).isEqualTo("email: server 127.0.0.1:" + smtp.port() + " requires authentication");
            assertThat(e.hint()).isEqualTo("set SMTP_USER and SMTP_PASSWORD");
            assertThat(smtp.messages()).isEmpty();
        }
    }

    @Test
    void implicitTlsAgainstAPlainServerIsAHandshakeError() {
        try (var smtp = SmtpServer.start(Tls.NONE)) {
            OpsException e = sendFails(mailer(smtp, "ssl", Map.of()));

            assertThat(e.getMessage()).startsWith("email: TLS handshake with 127.0.0.1:" + smtp.port() + " failed");
            assertThat(e.hint()).contains("SMTP_SECURITY");
        }
    }

    @Test
    void plainDeliveryWithoutAuthAndTheDefaultSender() throws Exception {
        try (var smtp = SmtpServer.start(Tls.NONE)) {
            mailer(smtp, "none", Map.of()).send(MESSAGE);

            var got = smtp.awaitMessages(1, WAIT).get(0);
            assertThat(got.from()).isEqualTo("ra-infrastructure@" + InetAddress.getLocalHost().getHostName());
            assertThat(got.recipients()).containsExactly("ops@example.com");
            assertThat(got.body()).isEqualTo(MESSAGE.body());
            assertThat(smtp.logins()).isEmpty();
        }
    }

    @Test
    void alertFromWinsOverSmtpUser() throws Exception {
        try (var smtp = SmtpServer.start(Tls.STARTTLS, USER, PASSWORD)) {
            mailer(smtp, "starttls", Map.of("SMTP_USER", USER, "SMTP_PASSWORD", PASSWORD,
                    "ALERT_FROM", "db-alerts@example.net")).send(MESSAGE);

            var got = smtp.awaitMessages(1, WAIT).get(0);
            assertThat(got.from()).isEqualTo("db-alerts@example.net");
            assertThat(got.headers()).contains("From: db-alerts@example.net");
        }
    }

    @Test
    void offUnlessHostAndRecipientAreSet() {
        assertThat(Mailer.from(config(Map.of("SMTP_HOST", "smtp.example.com")))).isEmpty();
        assertThat(Mailer.from(config(Map.of("ALERT_EMAIL", "ops@example.com")))).isEmpty();
        assertThat(Mailer.from(config(Map.of("SMTP_HOST", "smtp.example.com", "ALERT_EMAIL", "ops@example.com"))))
                .get().extracting(Mailer::name).isEqualTo("email");
    }

    private Mailer mailer(SmtpServer smtp, String security, Map<String, String> extra) {
        Map<String, String> flags = new HashMap<>(settings(smtp, security));
        flags.putAll(extra);
        return Mailer.from(config(flags)).orElseThrow();
    }

    private static Map<String, String> settings(SmtpServer smtp, String security) {
        return Map.of("SMTP_HOST", "127.0.0.1", "SMTP_PORT", "" + smtp.port(), "SMTP_SECURITY", security,
                "SMTP_CA_FILE", SmtpServer.caFile().toString(), "ALERT_EMAIL", "ops@example.com");
    }

    private Config config(Map<String, String> flags) {
        return Config.load(null, flags, Map.of("RA_INFRA_HOME", home.toString()));
    }

    private static OpsException sendFails(Mailer mailer) {
        OpsException e = catchThrowableOfType(OpsException.class, () -> mailer.send(MESSAGE));
        assertThat(e).as("send must fail").isNotNull();
        return e;
    }
}
