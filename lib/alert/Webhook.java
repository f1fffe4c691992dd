package lib.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import lib.Config;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Posts alerts as JSON to WEBHOOK_URL: {@code {"text", "subject", "event", "severity"}}. {@code text}
 * is what Slack, Mattermost and Rocket.Chat incoming webhooks display; the other fields serve custom
 * receivers. Any 2xx answer is success.
 */
public final class Webhook implements Channel {

    private final URI url;
    private final Http http;

    private Webhook(URI url, int timeoutSeconds) {
        this.url = url;
        this.http = new Http("webhook", "WEBHOOK_URL", timeoutSeconds);
    }

    /** A webhook when WEBHOOK_URL is set; empty means webhook alerts are off. */
    public static Optional<Webhook> from(Config cfg) {
        if (cfg.get("WEBHOOK_URL").isBlank()) return Optional.empty();
        return Optional.of(new Webhook(Http.uri("WEBHOOK_URL", cfg.get("WEBHOOK_URL")), cfg.integer("ALERT_TIMEOUT_SECONDS")));
    }

    @Override
    public String name() { return "webhook"; }

    @Override
    public void send(Message message) {
        http.post(url, "application/json", json(message));
    }

    static byte[] json(Message message) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("text", message.text());
        body.put("subject", message.subject());
        body.put("event", message.event());
        body.put("severity", message.severity());
        try {
            return lib.Manifest.JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always serializes", e);
        }
    }
}
