package lib;

/**
 * Turns the stderr of a failed pg or docker program into one line that names the cause and a
 * HINT that names the fix. The patterns are the messages libpq, the server and docker print.
 */
public final class PgErrors {
    private PgErrors() {}

    /** @param what e.g. "pg_dump of inventory"; used as the message prefix */
    public static OpsException explain(PgTarget target, String program, String what, Proc.Result r, int exitCode) {
        // docker exec reports a missing program on stdout (exit 126/127), so look at both.
        String err = r.stderr() + "\n" + r.stdout();
        String last = r.lastError();
        String c = target.container();
        if (target.docker()) {
            if (Docker.engineDown(err)) {
                return new OpsException(ExitCode.UNAVAILABLE, what + " failed: the Docker engine is not reachable",
                        "start Docker Desktop (or dockerd) and check DOCKER_HOST");
            }
            if (err.contains("No such container")) {
                return new OpsException(ExitCode.UNAVAILABLE, what + " failed: container " + c + " does not exist",
                        "check DOCKER_CONTAINER (docker ps -a lists containers); empty means direct mode");
            }
            if (err.contains("is not running") || err.contains("is restarting") || err.contains("is paused")) {
                return new OpsException(ExitCode.UNAVAILABLE, what + " failed: container " + c + " is not running",
                        "start it: docker start " + c);
            }
            if (err.contains("executable file not found") || err.contains("exec: \"" + program + "\"")
                    || r.exit() == 126 || r.exit() == 127) {
                return new OpsException(ExitCode.UNAVAILABLE, program + " not found in container " + c,
                        "is it a PostgreSQL container? check DOCKER_CONTAINER");
            }
        }
        if (err.contains("password authentication failed") || err.contains("no password supplied")) {
            return new OpsException(ExitCode.UNAVAILABLE, what + " failed: password authentication failed for user "
                    + target.config().get("PGUSER"), "check PGPASSWORD (or .pgpass) and PGUSER");
        }
        if (err.contains("does not exist") && err.contains("database")) {
            return new OpsException(ExitCode.UNAVAILABLE, what + " failed: " + strip(last),
                    "check the database name (--db / PGDATABASE); psql -l lists them");
        }
        if (err.contains("Connection refused") || err.contains("could not connect") || err.contains("No such file or directory")
                && err.contains("socket") || err.contains("timeout expired") || err.contains("could not translate host")) {
            return new OpsException(ExitCode.UNAVAILABLE, what + " failed: cannot connect to " + target.describe()
                    + " (" + strip(last) + ")", "is PostgreSQL running? check PGHOST and PGPORT");
        }
        if (err.contains("server version mismatch")) {
            return new OpsException(ExitCode.UNAVAILABLE, what + " failed: " + strip(last),
                    "use a " + program + " at least as new as the server (set PG_BIN), or use docker mode");
        }
        return new OpsException(exitCode, what + " failed: " + strip(last), null);
    }

    private static String strip(String line) {
        return line.replaceFirst("^(pg_dump|pg_restore|pg_dumpall|psql): (error: )?", "");
    }
}
