package lib.volume;

import lib.Config;
import lib.ExitCode;
import lib.OpsException;

import java.io.OutputStream;
import java.util.List;

/**
 * Data besides the databases that backup.java --volumes archives (VOLUMES): each is read as one tar
 * stream whose entries all sit under one top folder, and stored as {@code <archiveName>_<stamp>_<type>.tar.zst}.
 */
public sealed interface Volume permits PgAdminData, ConfigFolder {
    /** Every volume name VOLUMES and restore.java --volume accept. */
    List<String> NAMES = List.of(PgAdminData.NAME, ConfigFolder.NAME);

    /** The volume called {@code name} as the settings describe it. */
    static Volume of(String name, Config cfg) {
        return switch (name) {
            case PgAdminData.NAME -> new PgAdminData(cfg.get("PGADMIN_CONTAINER"), cfg.get("PGADMIN_DATA_DIR"));
            case ConfigFolder.NAME -> new ConfigFolder(cfg.home().resolve("config"), List.of(cfg.path("BACKUP_DIR"), cfg.path("LOG_DIR")));
            default -> throw new OpsException(ExitCode.USAGE, "unknown volume " + name, "use one of " + NAMES);
        };
    }

    /** As in VOLUMES and restore.java --volume. */
    String name();

    /** The start of its archive names: never a word a database dump's name could end with. */
    String archiveName();

    /** The container it lives in, or null for a folder of this machine. */
    String container();

    /** Its path: inside the container, or on this machine. */
    String path();

    /** Where it is read: {@code container inventory-pgadmin:/var/lib/pgadmin} or {@code folder /srv/ra/config}. */
    default String source() { return source(container(), path()); }

    /** The same wording for a container (null for a folder of this machine) and a path, as manifests record them. */
    static String source(String container, String path) {
        return container != null ? "container " + container + ":" + path : "folder " + path;
    }

    /** Fails with a one-line cause and fix when it cannot be read (container missing, Docker down, folder missing). */
    void check();

    /** Streams it as a tar into {@code out}, which stays open. */
    void writeTar(OutputStream out);

    /** Why keeping it unencrypted deserves a warning, or null when it does not. */
    String plainWarning();
}
