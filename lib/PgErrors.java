package lib;

/**
 * Turns the stderr of a failed pg or docker program into one line that names the cause and a
 * HINT that names the fix. The patterns are the messages libpq, the server and docker print.
 * A recognised cause also travels as a short {@link Failure#reason()} ("wrong password"), so that an
 * alert's subject alone tells the causes apart.
 */
public final class PgErrors {
    /** A failure whose cause was recognised; {@code reason} is a few words for a subject line. */
    public static final class Failure extends OpsException {
        private final String reason;

        Failure(String reason, String message, String hint) {
            super(ExitCode.UNAVAILABLE, message, hint);
            this.reason = reason;
        }

        public String reason() { return reason; }
    }

    private PgErrors() {}

    /** The recognised cause of {@code e} in a few words, or null. */
    public static String reason(OpsException e) { return e instanceof Failure f ? f.reason() : null; }

    /** @param what e.g. "pg_dump of inventory"; used as the message prefix */
    public static OpsException explain(PgTarget target, String program, String what, Proc.Result r, int exitCode) {
        // docker exec reports a missing program on stdout (exit 126/127), so look at both.
        String err = r.stderr() + "\n" + r.stdout();
        String last = r.lastError();
        String c = target.container();
        if (target.docker()) {
            if (Docker.engineDown(err)) {
                return new Failure("Docker not reachable", what + " failed: the Docker engine is not reachable",
                        "start Docker Desktop (or dockerd) and check DOCKER_HOST");
            }
            if (err.contains("No such container")) {
                DockerOs.Missing m = target.missingContainer("check DOCKER_CONTAINER (docker ps -a lists containers); empty means direct mode");
                return new Failure(m.windowsMode() ? "Windows containers" : "container missing", what + " failed: " + m.message(), m.hint());
            }
            if (err.contains("is not running") || err.contains("is restarting") || err.contains("is paused")) {
                return new Failure("container not running", what + " failed: container " + c + " is not running",
                        "start it: docker start " + c);
            }
            if (err.contains("executable file not found") || err.contains("exec: \"" + program + "\"")
                    || r.exit() == 126 || r.exit() == 127) {
                return new Failure(program + " missing", program + " not found in container " + c,
                        "is it a PostgreSQL container? check DOCKER_CONTAINER");
            }
        }
        String user = target.config().get("PGUSER");
        if (err.contains("password authentication failed")) {
            return new Failure("wrong password", what + " failed: password authentication failed for user " + user,
                    "check PGPASSWORD (or .pgpass) and PGUSER");
        }
        if (err.contains("no password supplied")) {
            return new Failure("no password", what + " failed: the server wants a password for user " + user + " and none is set",
                    "set PGPASSWORD (or a .pgpass entry) for PGUSER");
        }
        if (err.contains("FATAL:  role \"") && err.contains("does not exist")) {
            return new Failure("unknown user", what + " failed: " + strip(last), "check PGUSER: it must be a role on the server");
        }
        if (err.contains("does not exist") && err.contains("database")) {
            return new Failure("database does not exist", what + " failed: " + strip(last),
                    "check the database name (--db / PGDATABASE); psql -l lists them");
        }
        if (err.contains("Connection refused") || err.contains("could not connect") || err.contains("No such file or directory")
                && err.contains("socket") || err.contains("timeout expired") || err.contains("could not translate host")) {
            return new Failure("server unreachable", what + " failed: cannot connect to " + target.describe()
                    + " (" + strip(last) + ")", target.connectHint());
        }
        if (err.contains("server version mismatch")) {
            return new Failure("version mismatch", what + " failed: " + strip(last),
                    "use a " + program + " at least as new as the server (set PG_BIN), or use docker mode");
        }
        return new OpsException(exitCode, what + " failed: " + strip(last), null);
    }

    private static String strip(String line) {
        return line.replaceFirst("^(pg_dump|pg_restore|pg_dumpall|psql): (error: )?", "");
    }
}
