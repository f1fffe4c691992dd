package tests.support;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
import org.subethamail.smtp.server.SMTPServer;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * An in-process SMTP server (SubEthaSMTP) on a free loopback port, recording every message it accepts.
 * TLS uses a self-signed certificate made once per run with the JDK's keytool, valid for localhost and
 * 127.0.0.1; {@link #caFile()} is its PEM, to pass as SMTP_CA_FILE.
 */
public final class SmtpServer implements AutoCloseable {
    /** How the server offers TLS. */
    public enum Tls {
        /** Plain text only: STARTTLS is not offered. */
        NONE,
        /** STARTTLS offered, plain text accepted too. */
        STARTTLS,
        /** STARTTLS offered and required before AUTH or MAIL. */
        STARTTLS_REQUIRED,
        /** Implicit TLS from the first byte (SMTPS, port 465 style). */
        SSL
    }

    /**
     * One accepted message: envelope, decoded subject, the decoded text body with \n line ends and
     * without the final line break SMTP adds, and the raw header block.
     */
    public record Received(String from, List<String> recipients, String subject, String body, String headers) {}

    private static final char[] STORE_PASSWORD = "changeit".toCharArray();
    private static Path keyDir;

    private final SMTPServer server;
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private final List<String> logins = Collections.synchronizedList(new ArrayList<>());

    private SmtpServer(Tls tls, InetAddress bind, String user, String password) {
        var builder = SMTPServer.port(0)
                .bindAddress(bind)
                .hostName("localhost")
                .connectionTimeout(30, TimeUnit.SECONDS)
                .messageHandlerFactory(this::handler);
        switch (tls) {
            case NONE -> builder.enableTLS(false);
            case STARTTLS -> builder.enableTLS(true).startTlsSocketFactory(sslContext());
            case STARTTLS_REQUIRED -> builder.requireTLS(true).startTlsSocketFactory(sslContext());
            case SSL -> builder.serverSocketFactory(sslContext());
        }
        if (user != null) {
            builder.authenticationHandlerFactory(new EasyAuthenticationHandlerFactory((u, p, ctx) -> {
                logins.add(u);
                if (!u.equals(user) || !p.equals(password)) throw new LoginFailedException("bad credentials");
            })).requireAuth(true);
        }
        server = builder.build();
        server.start();
    }

    /** A server on 127.0.0.1 without AUTH. */
    public static SmtpServer start(Tls tls) { return start(tls, InetAddress.getLoopbackAddress()); }

    /** A server without AUTH on another address, e.g. 127.0.0.2, which the certificate does not name. */
    public static SmtpServer start(Tls tls, InetAddress bind) { return new SmtpServer(tls, bind, null, null); }

    /** A server on 127.0.0.1 that requires AUTH (PLAIN or LOGIN) with exactly this user and password. */
    public static SmtpServer start(Tls tls, String user, String password) {
        return new SmtpServer(tls, InetAddress.getLoopbackAddress(), user, password);
    }

    public int port() { return server.getPortAllocated(); }

    /** PEM of the server's self-signed certificate. */
    public static synchronized Path caFile() {
        keys();
        return keyDir.resolve("smtp.pem");
    }

    /** Messages accepted so far. */
    public List<Received> messages() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** User names of every AUTH attempt, successful or not. */
    public List<String> logins() {
        synchronized (logins) {
            return List.copyOf(logins);
        }
    }

    /** Waits until at least {@code n} messages arrived; fails the test after {@code timeout}. */
    public List<Received> awaitMessages(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (messages().size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " message(s) within " + timeout + ", got " + messages().size());
            }
            Thread.sleep(20);
        }
        return messages();
    }

    @Override
    public void close() { server.stop(); }

    private MessageHandler handler(MessageContext context) {
        return new MessageHandler() {
            private String from;
            private final List<String> recipients = new ArrayList<>();

            @Override public void from(String address) { from = address; }

            @Override public void recipient(String address) { recipients.add(address); }

            @Override
            public String data(InputStream data) throws IOException {
                received.add(parse(from, List.copyOf(recipients), data.readAllBytes()));
                return null;
            }

            @Override public void done() {}
        };
    }

    private static Received parse(String from, List<String> recipients, byte[] raw) throws IOException {
        try {
            MimeMessage mime = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
            String text = new String(raw, StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            String headers = end < 0 ? text : text.substring(0, end);
            String body = String.valueOf(mime.getContent()).replace("\r\n", "\n");
            if (body.endsWith("\n")) body = body.substring(0, body.length() - 1);
            return new Received(from, recipients, mime.getSubject(), body, headers);
        } catch (MessagingException e) {
            throw new IOException("unparsable message", e);
        }
    }

    private static SSLContext sslContext() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keys().resolve("smtp.p12"))) {
                store.load(in, STORE_PASSWORD);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, STORE_PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates the key pair and certificate once per run. */
    private static synchronized Path keys() {
        if (keyDir != null) return keyDir;
        try {
            Path dir = Files.createTempDirectory("smtp-tls");
            Path p12 = dir.resolve("smtp.p12");
            keytool("-genkeypair", "-alias", "smtp", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                    "-storetype", "PKCS12", "-keystore", p12.toString(),
                    "-storepass", new String(STORE_PASSWORD), "-keypass", new String(STORE_PASSWORD));
            keytool("-exportcert", "-rfc", "-alias", "smtp", "-keystore", p12.toString(),
                    "-storepass", new String(STORE_PASSWORD), "-file", dir.resolve("smtp.pem").toString());
            dir.toFile().deleteOnExit();
            p12.toFile().deleteOnExit();
            dir.resolve("smtp.pem").toFile().deleteOnExit();
            keyDir = dir;
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + out);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running keytool", e);
        }
    }
}
