package lib.health;

/** SQL connection failures as one line naming the cause, with the fix. */
final class SqlErrors {
    private SqlErrors() {}

    static CheckResult explain(java.sql.SQLException e, Probe p) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String msg = String.valueOf(e.getMessage());
        String where = p.endpoint();
        String user = p.config().get("PGUSER");
        String start = p.config().dockerMode() ? "docker start " + p.config().get("DOCKER_CONTAINER")
                + " if it is stopped; check that PGPORT is its published port (docker port " + p.config().get("DOCKER_CONTAINER") + ")"
                : "is PostgreSQL running? check PGHOST and PGPORT";
        String attempts = p.attempts() > 1 ? " after " + p.attempts() + " attempts" : "";
        if (state.equals("28P01") || state.equals("28000")) {
            return CheckResult.critical("password authentication failed for user " + user + " at " + where,
                    "check PGPASSWORD (or .pgpass) and PGUSER");
        }
        if (state.equals("3D000")) {
            return CheckResult.critical("database " + p.config().get("PGDATABASE") + " does not exist at " + where,
                    "check PGDATABASE; restore it from a backup if it was dropped (" + lib.Launcher.command("restore.java --latest") + ")");
        }
        if (msg.contains("timed out") || state.equals("57014")) {
            return CheckResult.critical("no answer from " + where + " within " + p.timeout().toSeconds() + " s" + attempts,
                    "the server hangs or is overloaded: look at its log and load");
        }
        if (state.startsWith("08")) {
            String cause = msg.contains("refused") ? "connection refused" : msg.replaceAll("\\s+", " ");
            return CheckResult.critical("cannot connect to " + where + " (" + cause + ")" + attempts,
                    start);
        }
        if (state.equals("57P03")) {
            return CheckResult.critical("server at " + where + " is starting up or shutting down" + attempts,
                    "wait a minute; if it persists, look at the server log");
        }
        return CheckResult.critical(msg.replaceAll("\\s+", " ") + " (SQLSTATE " + state + ")", null);
    }
}
