package lib.alert;

import lib.ExitCode;
import lib.OpsException;

import javax.net.ssl.SSLException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.UnresolvedAddressException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one POST the web channels make (webhook, dead-man ping): any 2xx is success, normal redirects
 * are followed, and the whole exchange, connect to last byte, is bounded by ALERT_TIMEOUT_SECONDS.
 * Failures name only the URL's scheme and host, because its path carries the access token.
 */
final class Http {
    private static final int SNIPPET = 200;

    private final String channel;
    private final String key;
    private final int timeoutSeconds;
    private final HttpClient client;

    /**
     * @param channel prefix of every failure message ("webhook", "ping")
     * @param key the config key holding the URL, named in hints
     */
    Http(String channel, String key, int timeoutSeconds) {
        this.channel = channel;
        this.key = key;
        this.timeoutSeconds = timeoutSeconds;
        this.client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(timeoutSeconds))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** Parses a configured URL; an invalid one is named by its key only, since its text may hold a token. */
    static URI uri(String key, String url) {
        try {
            URI uri = new URI(url.strip());
            if (uri.getHost() != null && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) return uri;
        } catch (URISyntaxException e) {
            // reported below without the URL's text
        }
        throw new OpsException(ExitCode.USAGE, key + " is not a valid http:// or https:// URL",
                "copy " + key + " again from the service's settings");
    }

    /** Scheme, host and port: the part of a URL that may be shown. */
    static String origin(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
    }

    /** POSTs {@code body}; throws {@link OpsException} (exit 4) unless the answer is 2xx within the timeout. */
    void post(URI uri, String contentType, byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .header("Content-Type", contentType)
                .header("User-Agent", "ra-infrastructure")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        CompletableFuture<HttpResponse<String>> pending = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> response;
        try {
            response = pending.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw noAnswer(uri, e);
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw fail(uri, "interrupted while posting to " + origin(uri), "the run was stopped; nothing to fix", e);
        } catch (ExecutionException e) {
            throw failure(uri, e.getCause());
        }
        if (response.statusCode() / 100 != 2) throw status(uri, response);
    }

    private OpsException status(URI uri, HttpResponse<String> response) {
        int code = response.statusCode();
        String body = response.body() == null ? "" : response.body().replaceAll("\\s+", " ").strip();
        String snippet = body.length() > SNIPPET ? body.substring(0, SNIPPET) : body;
        String hint = code / 100 == 4 ? "check " + key + ": the service rejected it (token revoked or mistyped?)"
                : "the service failed; the next run sends again";
        return fail(uri, "HTTP " + code + " from " + origin(uri) + (snippet.isEmpty() ? "" : ": " + snippet), hint, null);
    }

    private OpsException failure(URI uri, Throwable cause) {
        String where = origin(uri);
        if (cause instanceof HttpTimeoutException) return noAnswer(uri, cause);
        if (cause instanceof ConnectException && cause.getCause() instanceof UnresolvedAddressException) {
            return fail(uri, "unknown host " + uri.getHost(), "check " + key, cause);
        }
        if (cause instanceof ConnectException) {
            return fail(uri, "cannot connect to " + where + " (" + reason(cause) + ")",
                    "check " + key + " and that this host can reach it (DNS, proxy, firewall)", cause);
        }
        if (cause instanceof SSLException) {
            return fail(uri, "TLS handshake with " + where + " failed (" + reason(cause) + ")",
                    "the server's certificate must be valid for its name and signed by a CA this Java trusts", cause);
        }
        return fail(uri, "posting to " + where + " failed (" + reason(cause) + ")", "check " + key, cause);
    }

    private OpsException noAnswer(URI uri, Throwable cause) {
        return fail(uri, "no answer from " + origin(uri) + " within " + timeoutSeconds + " s",
                "check " + key + " and that the service is up (ALERT_TIMEOUT_SECONDS sets the limit)", cause);
    }

    /** Builds the exception; any echo of the full URL (by the server or the JDK) is cut back to its origin. */
    private OpsException fail(URI uri, String message, String hint, Throwable cause) {
        String safe = (channel + ": " + message).replace(uri.toString(), origin(uri));
        String path = uri.getRawPath();
        if (path != null && path.length() > 1) safe = safe.replace(path, "/...");
        return new OpsException(ExitCode.UNAVAILABLE, safe, hint, cause);
    }

    /** The innermost message in the cause chain (the JDK wraps with message-less exceptions), else its type. */
    private static String reason(Throwable e) {
        String found = null;
        Throwable last = e;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            last = t;
            if (t.getMessage() != null && !t.getMessage().isBlank()) found = t.getMessage().lines().findFirst().orElse("").strip();
        }
        return found != null ? found : last.getClass().getSimpleName();
    }
}
