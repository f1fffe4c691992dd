package lib.alert;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import lib.Config;
import lib.ExitCode;
import lib.OpsException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.eclipse.angus.mail.util.MailConnectException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * Sends alerts by SMTP (Angus Mail). SMTP_SECURITY picks the transport: {@code starttls} (port 587,
 * refuses to continue in plain text when the server offers no STARTTLS), {@code ssl} (implicit TLS,
 * port 465) or {@code none}. Server certificates are checked against the JDK's CAs plus SMTP_CA_FILE,
 * and the host name is always verified. Every network step is bounded by ALERT_TIMEOUT_SECONDS.
 */
public final class Mailer implements Channel {
    private final String host;
    private final int port;
    private final String security;
    private final String user;
    private final String password;
    private final InternetAddress from;
    private final InternetAddress[] to;
    private final int timeoutSeconds;
    private final SSLSocketFactory tls;

    private Mailer(Config cfg) {
        host = cfg.get("SMTP_HOST").strip();
        port = cfg.integer("SMTP_PORT");
        security = cfg.get("SMTP_SECURITY");
        user = cfg.get("SMTP_USER");
        password = cfg.get("SMTP_PASSWORD");
        from = address(sender(cfg), "ALERT_FROM");
        to = cfg.list("ALERT_EMAIL").stream().map(a -> address(a, "ALERT_EMAIL")).toArray(InternetAddress[]::new);
        timeoutSeconds = cfg.integer("ALERT_TIMEOUT_SECONDS");
        tls = cfg.get("SMTP_CA_FILE").isBlank() ? null : socketFactory(cfg.path("SMTP_CA_FILE"));
    }

    /** A mailer when SMTP_HOST and ALERT_EMAIL are both set; empty means email alerts are off. */
    public static Optional<Mailer> from(Config cfg) {
        if (cfg.get("SMTP_HOST").isBlank() || cfg.get("ALERT_EMAIL").isBlank()) return Optional.empty();
        return Optional.of(new Mailer(cfg));
    }

    @Override
    public String name() { return "email"; }

    @Override
    public void send(Message message) {
        Session session = Session.getInstance(properties());
        Transport transport = null;
        try {
            MimeMessage mail = mime(session, message);
            transport = session.getTransport(protocol());
            transport.connect(host, port, user.isEmpty() ? null : user, password.isEmpty() ? null : password);
            requireLoginOffered((SMTPTransport) transport);
            transport.sendMessage(mail, mail.getAllRecipients());
        } catch (MessagingException e) {
            throw failure(e);
        } finally {
            close(transport);
        }
    }

    /** Angus skips AUTH silently when the server offers none; with SMTP_USER set, stop instead of sending unauthenticated. */
    private void requireLoginOffered(SMTPTransport smtp) {
        if (!user.isEmpty() && !smtp.supportsExtension("AUTH") && !smtp.supportsExtension("AUTH=LOGIN")) throw noLogin(null);
    }

    private String protocol() { return security.equals("ssl") ? "smtps" : "smtp"; }

    private Properties properties() {
        String p = "mail." + protocol();
        String ms = String.valueOf(timeoutSeconds * 1000);
        Properties props = new Properties();
        props.put(p + ".connectiontimeout", ms);
        props.put(p + ".timeout", ms);
        props.put(p + ".writetimeout", ms);
        props.put(p + ".auth", String.valueOf(!user.isEmpty()));
        props.put(p + ".ssl.checkserveridentity", "true");
        if (security.equals("starttls")) {
            props.put(p + ".starttls.enable", "true");
            // Without this, a server (or a man in the middle) that hides STARTTLS gets the password in clear.
            props.put(p + ".starttls.required", "true");
        }
        if (tls != null) props.put(p + ".ssl.socketFactory", tls);
        return props;
    }

    private MimeMessage mime(Session session, Message message) throws MessagingException {
        MimeMessage mail = new MimeMessage(session);
        mail.setFrom(from);
        mail.setRecipients(jakarta.mail.Message.RecipientType.TO, to);
        mail.setSubject(message.subject(), "UTF-8");
        mail.setText(message.body(), "UTF-8");
        mail.setSentDate(new Date());
        mail.setHeader("X-Mailer", "ra-infrastructure");
        mail.saveChanges();
        return mail;
    }

    private static void close(Transport transport) {
        if (transport == null) return;
        try {
            transport.close();
        } catch (MessagingException e) {
            // The message was already accepted or the failure was already reported; QUIT errors add nothing.
        }
    }

    /** ALERT_FROM, else SMTP_USER when it is an address (not e.g. "apikey"), else ra-infrastructure@host. */
    private static String sender(Config cfg) {
        if (!cfg.get("ALERT_FROM").isBlank()) return cfg.get("ALERT_FROM").strip();
        String user = cfg.get("SMTP_USER").strip();
        if (user.contains("@")) return user;
        return "ra-infrastructure@" + hostname();
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static InternetAddress address(String text, String key) {
        try {
            return new InternetAddress(text, true);
        } catch (AddressException e) {
            throw new OpsException(ExitCode.USAGE, key + ": invalid email address '" + text + "'",
                    "set " + key + " to an address like ops@example.com");
        }
    }

    /** Trusts the JDK's default CAs plus every certificate in {@code caFile} (PEM or DER). */
    static SSLSocketFactory socketFactory(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int n = 0;
            for (X509Certificate ca : jdkTrustManager().getAcceptedIssuers()) trusted.setCertificateEntry("jdk-" + n++, ca);
            for (Certificate extra : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trusted.setCertificateEntry("extra-" + n++, extra);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            String why = e instanceof NoSuchFileException ? "no such file" : reason(e);
            throw new OpsException(ExitCode.USAGE, "email: cannot read certificate SMTP_CA_FILE " + caFile + " (" + why + ")",
                    "set SMTP_CA_FILE to a PEM or DER certificate file, or leave it empty");
        }
    }

    private static X509TrustManager jdkTrustManager() throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x509) return x509;
        }
        throw new GeneralSecurityException("no default X.509 trust manager");
    }

    /** Maps a mail failure to one line naming the cause and the fix; the password never appears in it. */
    private OpsException failure(MessagingException e) {
        String where = host + ":" + port;
        if (e instanceof AuthenticationFailedException) return authentication(e);
        if (find(e, UnknownHostException.class) != null) return fail("unknown host " + host, "check SMTP_HOST", e);
        if (e instanceof MailConnectException) {
            return fail("cannot connect to " + where + " (" + reason(e.getCause() != null ? e.getCause() : e) + ")",
                    "check SMTP_HOST/SMTP_PORT and that the server is up", e);
        }
        if (find(e, SocketTimeoutException.class) != null) {
            return fail("no answer from " + where + " within " + timeoutSeconds + " s",
                    "check SMTP_HOST/SMTP_PORT and SMTP_SECURITY (ssl is for port 465, starttls for 587)", e);
        }
        SSLException ssl = find(e, SSLException.class);
        if (ssl != null) return tlsFailure(ssl, where, e);
        if (String.valueOf(e.getMessage()).toUpperCase(Locale.ROOT).contains("STARTTLS")) {
            return security.equals("starttls")
                    ? fail("server " + where + " does not offer STARTTLS",
                        "check SMTP_PORT and SMTP_SECURITY: starttls for port 587, ssl for port 465", e)
                    : fail("server " + where + " requires STARTTLS", "set SMTP_SECURITY=starttls", e);
        }
        if (e instanceof SMTPSendFailedException refused && refused.getReturnCode() == 530) {
            return user.isEmpty() ? fail("server " + where + " requires authentication", "set SMTP_USER and SMTP_PASSWORD", e)
                    : noLogin(e);
        }
        if (e instanceof SendFailedException) {
            return fail("server " + where + " refused the message: " + reason(e),
                    "check ALERT_EMAIL and ALERT_FROM (many servers only accept their own user as sender)", e);
        }
        return fail("sending via " + where + " failed: " + reason(e), "check the SMTP_* settings", e);
    }

    private OpsException authentication(MessagingException e) {
        if (String.valueOf(e.getMessage()).contains("No authentication mechanisms")) return noLogin(e);
        return fail("authentication failed for user " + user,
                "for Gmail use an app password (https://myaccount.google.com/apppasswords), not the account password", e);
    }

    private OpsException noLogin(Exception cause) {
        return fail("server " + host + ":" + port + " offers no login (AUTH) on this connection",
                security.equals("none") ? "set SMTP_SECURITY=starttls: servers offer AUTH only over TLS"
                        : "leave SMTP_USER empty if the server needs no login", cause);
    }

    private OpsException tlsFailure(SSLException ssl, String where, MessagingException e) {
        String why = reason(ssl);
        if (why.contains("PKIX") || why.contains("certification path")) {
            return fail("TLS certificate of " + where + " is not trusted",
                    "set SMTP_CA_FILE to the server's CA certificate (PEM) if it uses a private CA", e);
        }
        if (why.contains("subject alternative") || why.contains("No name matching") || why.contains("identity")) {
            return fail("TLS certificate of " + where + " is not valid for the name " + host,
                    "set SMTP_HOST to the name the certificate was issued for", e);
        }
        return fail("TLS handshake with " + where + " failed (" + why + ")",
                "check SMTP_SECURITY and SMTP_PORT: ssl for port 465, starttls for 587", e);
    }

    private OpsException fail(String message, String hint, Exception cause) {
        return new OpsException(ExitCode.UNAVAILABLE, scrub("email: " + message), hint, cause);
    }

    /** Server replies are quoted in messages; make sure none can echo the password back. */
    private String scrub(String text) {
        return password.isEmpty() ? text : text.replace(password, "********");
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }

    /** The first line of an exception's message (server replies can span lines), or its type. */
    private static String reason(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.lines().findFirst().orElse("").strip();
    }
}
