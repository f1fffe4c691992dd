package lib.health;

import lib.Docker;
import lib.OpsException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * 5. The pgAdmin container runs (docker mode, PGADMIN_CONTAINER) and PGADMIN_URL answers 200 or 302.
 * A problem here is a warning: the database itself is still healthy.
 */
final class PgAdminCheck implements Check {
    public String name() { return "pgadmin"; }

    public String problem() { return "pgAdmin not available"; }

    public List<String> needs() { return List.of("docker"); }

    public CheckResult run(Probe p) throws Exception {
        String name = p.config().get("PGADMIN_CONTAINER");
        String url = p.config().get("PGADMIN_URL");
        List<String> said = new ArrayList<>();
        String status = null;
        Integer code = null;
        if (p.config().dockerMode() && !name.isBlank()) {
            Docker.Container c;
            try {
                c = p.container(name);
            } catch (OpsException e) {
                return warning(e.getMessage(), "create or start pgAdmin (docker start " + name
                        + "), or set PGADMIN_CONTAINER= to stop checking it");
            }
            if (!c.running()) {
                return warning("container " + name + " is " + c.describe(), "start it: docker start " + name)
                        .with("status", c.status());
            }
            said.add("container " + name + " " + c.describe());
            status = c.status();
        }
        if (!url.isBlank()) {
            try {
                code = get(url, p);
            } catch (OpsException e) {
                return warning(e.getMessage(), e.hint());
            }
            if (code != 200 && code != 302) {
                return warning("pgAdmin answered HTTP " + code + " at " + url, "look at docker logs " + name)
                        .with("httpStatus", code);
            }
            said.add("HTTP " + code + " from " + url);
        }
        return CheckResult.ok(String.join(", ", said)).with("status", status).with("httpStatus", code);
    }

    private static CheckResult warning(String summary, String action) {
        return CheckResult.of(Status.WARNING, summary).action(action);
    }

    private static int get(String url, Probe p) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(p.remaining()).followRedirects(HttpClient.Redirect.NEVER).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(p.remaining()).GET().build();
        try {
            return client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            throw new OpsException(lib.ExitCode.UNAVAILABLE, "pgAdmin at " + url + " does not answer (" + e + ")",
                    "is the container's port published? docker ps shows it");
        }
    }
}
