package lib.health;

import lib.Proc;

import java.util.List;

/**
 * 3. pg_isready: inside the container in docker mode, this host's binary in direct mode. When SELECT 1
 * fails too, that failure is the one reported (it says more), and this one is counted as skipped.
 */
final class ReadyCheck implements Check {
    public String name() { return "ready"; }

    public String problem() { return "PostgreSQL not accepting connections (pg_isready)"; }

    public List<String> needs() { return List.of("container", "query"); }

    public CheckResult run(Probe p) {
        List<String> args = List.of("-t", String.valueOf(Math.max(1, p.remaining().toSeconds() - 1)));
        Proc.Result r = Proc.run(p.target().command("pg_isready", args), p.target().env(null), p.remaining());
        String said = (r.stdout() + " " + r.stderr()).strip().replaceAll("\\s+", " ");
        if (p.target().docker() && (r.exit() >= 125 || r.stderr().contains("Error response from daemon"))) {
            String c = p.target().container();
            return CheckResult.critical("docker exec into " + c + " failed: " + r.lastError(), "docker ps -a shows its state; docker start " + c);
        }
        return switch (r.exit()) {
            case 0 -> CheckResult.ok(said.isEmpty() ? "accepting connections" : said);
            case 1 -> CheckResult.critical("server is rejecting connections (starting up or shutting down): " + said,
                    "wait a minute; if it persists, look at the server log (docker logs " + p.target().container() + ")");
            case 2 -> CheckResult.critical("no response: " + said, p.target().connectHint());
            default -> CheckResult.critical("pg_isready failed: " + r.lastError(), p.target().docker()
                    ? "is " + p.target().container() + " a PostgreSQL container?"
                    : "install the PostgreSQL client tools or set PG_BIN");
        };
    }
}
