package lib.alert;

import lib.Config;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Dead-man switch in the Healthchecks.io style: every run pings HEALTHCHECK_PING_URL, so the service
 * alerts when the pings stop (host down, scheduler broken), which no alert sent from this host can
 * report. Success POSTs to the URL, failure to URL/fail; the summary text is the request body.
 */
public final class Ping {
    private final URI url;
    private final URI failUrl;
    private final Http http;

    private Ping(URI url, int timeoutSeconds) {
        this.url = url;
        this.failUrl = failUri(url);
        this.http = new Http("ping", "HEALTHCHECK_PING_URL", timeoutSeconds);
    }

    /** A ping when HEALTHCHECK_PING_URL is set; empty means no dead-man switch. */
    public static Optional<Ping> from(Config cfg) {
        if (cfg.get("HEALTHCHECK_PING_URL").isBlank()) return Optional.empty();
        return Optional.of(new Ping(Http.uri("HEALTHCHECK_PING_URL", cfg.get("HEALTHCHECK_PING_URL")),
                cfg.integer("ALERT_TIMEOUT_SECONDS")));
    }

    /** Reports a good run. */
    public void success(String summary) {
        http.post(url, "text/plain; charset=utf-8", summary.getBytes(StandardCharsets.UTF_8));
    }

    /** Reports a failed run: the service alerts at once instead of waiting for the grace time. */
    public void failure(String summary) {
        http.post(failUrl, "text/plain; charset=utf-8", summary.getBytes(StandardCharsets.UTF_8));
    }

    /** URL + "/fail", without a double slash and keeping any query (e.g. Healthchecks' ?create=1). */
    static URI failUri(URI base) {
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        if (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        String query = base.getRawQuery() == null ? "" : "?" + base.getRawQuery();
        return URI.create(base.getScheme() + "://" + base.getRawAuthority() + path + "/fail" + query);
    }
}
