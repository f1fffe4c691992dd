package lib.volume;

import lib.Docker;
import lib.ExitCode;
import lib.OpsException;
import lib.Proc;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * pgAdmin's data folder (PGADMIN_DATA_DIR, default /var/lib/pgadmin) in its container (PGADMIN_CONTAINER):
 * its SQLite database with the saved servers and, encrypted by pgAdmin, their passwords, plus sessions
 * and uploaded files. {@code docker cp} streams it out as a tar and back in from one, running or
 * stopped, with no helper image and no tar program on the host; ownership travels in the tar.
 */
public record PgAdminData(String container, String path) implements Volume {
    static final String NAME = "pgadmin";
    private static final Duration DOCKER_CALL = Duration.ofSeconds(60);

    @Override public String name() { return NAME; }

    @Override public String archiveName() { return "pgadmin-data"; }

    @Override public String plainWarning() { return null; }

    /** The folder the data folder sits in: where {@code docker cp -} unpacks a tar whose top folder is {@link #top}. */
    public String parent() {
        String p = trimmed();
        int slash = p.lastIndexOf('/');
        return slash <= 0 ? "/" : p.substring(0, slash);
    }

    /** The data folder's own name: the top folder of the tar {@code docker cp} makes of it. */
    public String top() {
        String p = trimmed();
        return p.substring(p.lastIndexOf('/') + 1);
    }

    private String trimmed() { return path.replaceAll("/+$", ""); }

    /** The container's state; one line naming the cause and the fix when it is missing or Docker is down. */
    public Docker.Container inspect() {
        if (container.isBlank()) {
            throw new OpsException(ExitCode.USAGE, "PGADMIN_CONTAINER is empty: there is no pgAdmin container to archive",
                    "set PGADMIN_CONTAINER to its name (docker ps -a lists containers), or remove pgadmin from VOLUMES");
        }
        try {
            return Docker.inspect(container, DOCKER_CALL);
        } catch (OpsException e) {
            String hint = e.getMessage().startsWith("the Docker engine") ? e.hint() : e.hint() + "; PGADMIN_CONTAINER names it";
            throw new OpsException(e.exitCode(), "pgAdmin data: " + e.getMessage(), hint, e);
        }
    }

    @Override public void check() { inspect(); }

    @Override
    public void writeTar(OutputStream out) {
        Proc.Result r = Proc.run(List.of("docker", "cp", container + ":" + trimmed(), "-"), Map.of(), null, null, out);
        if (!r.ok()) throw failed("read", trimmed(), r, ExitCode.BACKUP_FAILED);
    }

    /**
     * Unpacks a tar made by {@link #writeTar} over the data folder. Files the tar holds are replaced with
     * their archived content, owner and mode; files it does not hold are left as they are.
     * @throws UncheckedIOException when reading {@code tar} failed
     */
    public void unpack(InputStream tar) {
        Proc.Result r = Proc.run(List.of("docker", "cp", "-", container + ":" + parent()), Map.of(), null, tar, null);
        if (!r.ok()) throw failed("write", parent(), r, ExitCode.RESTORE_FAILED);
    }

    /** {@code docker stop}: pgAdmin must not write its database while it is replaced. */
    public void stop() {
        Proc.Result r = Proc.run(List.of("docker", "stop", container), Map.of(), DOCKER_CALL);
        if (!r.ok()) throw failed("stop", trimmed(), r, ExitCode.RESTORE_FAILED);
    }

    public void start() { Docker.start(container, DOCKER_CALL); }

    private OpsException failed(String what, String where, Proc.Result r, int code) {
        String err = r.stderr();
        if (Docker.engineDown(err)) return Docker.engineUnreachable(r.lastError());
        if (err.contains("No such container")) {
            return new OpsException(ExitCode.UNAVAILABLE, "pgAdmin data: container " + container + " does not exist",
                    "docker ps -a lists containers; PGADMIN_CONTAINER names it");
        }
        if (err.contains("Could not find the file")) {
            return new OpsException(code, "pgAdmin data: " + where + " does not exist in container " + container,
                    "check PGADMIN_DATA_DIR (pgAdmin's image keeps its data in /var/lib/pgadmin)");
        }
        return new OpsException(code, "cannot " + what + " pgAdmin data in container " + container + ": " + r.lastError(),
                "docker logs " + container + " may say why");
    }
}
