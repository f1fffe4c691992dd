package tests;

import lib.*;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The messages the real programs print (captured from docker 20/28, libpq 15) map to one line and a hint. */
class PgErrorsTest {
    @TempDir static Path home;

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        docker | Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running? | Docker engine is not reachable | start Docker Desktop | Docker not reachable
        docker | error during connect: this error may indicate that the docker daemon is not running | Docker engine is not reachable | DOCKER_HOST | Docker not reachable
        docker | Error response from daemon: No such container: inventory-db | container inventory-db does not exist | DOCKER_CONTAINER | container missing
        docker | Error response from daemon: container 3f2e is not running | container inventory-db is not running | docker start inventory-db | container not running
        docker | OCI runtime exec failed: exec failed: unable to start container process: exec: "pg_dump": executable file not found in $PATH: unknown | pg_dump not found in container inventory-db | is it a PostgreSQL container | pg_dump missing
        direct | pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication failed for user "postgres" | password authentication failed for user postgres | PGPASSWORD | wrong password
        direct | pg_dump: error: connection to server at "127.0.0.1", port 1 failed: Connection refused | cannot connect to server 127.0.0.1:1 | check PGHOST and PGPORT | server unreachable
        docker | psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: No such file or directory | cannot connect to container inventory-db | set PG_CONTAINER_PORT | server unreachable
        direct | pg_dump: error: connection to server at "127.0.0.1", port 1 failed: fe_sendauth: no password supplied | wants a password for user postgres | set PGPASSWORD | no password
        direct | pg_dump: error: connection to server at "127.0.0.1", port 1 failed: FATAL:  role "bob" does not exist | role "bob" does not exist | check PGUSER | unknown user
        direct | pg_dump: error: connection to server on socket "/tmp/.s.PGSQL.5432" failed: FATAL:  database "nope" does not exist | database "nope" does not exist | --db | database does not exist
        direct | pg_dump: error: aborting because of server version mismatch | server version mismatch | PG_BIN | version mismatch
        direct | pg_dump: error: query failed: ERROR:  permission denied for table secrets | query failed: ERROR:  permission denied for table secrets | <none> | <none>
        """)
    void explainsTheCommonFailures(String mode, String stderr, String message, String hint, String reason) {
        Map<String, String> env = Map.of("RA_INFRA_HOME", home.toString(), "DOCKER_CONTAINER", mode.equals("docker") ? "inventory-db" : "",
                "PGHOST", "127.0.0.1", "PGPORT", "1");
        PgTarget t = new PgTarget(Config.load(null, Map.of(), env));
        OpsException e = PgErrors.explain(t, "pg_dump", "pg_dump of inventory", new Proc.Result(1, "", stderr + "\n"), ExitCode.BACKUP_FAILED);
        assertThat(e.getMessage()).contains(message);
        if (hint.equals("<none>")) {
            assertThat(e.hint()).isNull();
            assertThat(e.exitCode()).isEqualTo(ExitCode.BACKUP_FAILED);
        } else {
            assertThat(e.hint()).contains(hint);
            assertThat(e.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
        }
        assertThat(e.oneLine()).doesNotContain("\n");
        assertThat(PgErrors.reason(e)).isEqualTo(reason.equals("<none>") ? null : reason);
    }
}
