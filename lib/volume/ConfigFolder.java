package lib.volume;

import lib.ExitCode;
import lib.OpsException;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The project's {@code config/} folder: settings, rclone's tokens, key files. It is written as a tar
 * here in Java (no tar program needed), without BACKUP_DIR or LOG_DIR should either lie inside it.
 */
public record ConfigFolder(Path dir, List<Path> skip) implements Volume {
    static final String NAME = "config";

    @Override public String name() { return NAME; }

    @Override public String archiveName() { return NAME; }

    @Override public String container() { return null; }

    @Override public String path() { return dir.toString(); }

    @Override
    public String plainWarning() {
        return "config/ holds passwords and tokens and is stored unencrypted (owner-only file); "
                + "set ENCRYPT_TO to encrypt it (README, Encryption)";
    }

    @Override
    public void check() {
        if (!Files.isDirectory(dir)) {
            throw new OpsException(ExitCode.BACKUP_FAILED, "config folder " + dir + " not found",
                    "VOLUMES lists config: create the folder, or remove config from VOLUMES");
        }
    }

    @Override
    public void writeTar(OutputStream out) {
        try {
            FolderTar.write(dir, NAME, out, skip);
        } catch (FileSystemException e) {
            if (e.getFile() == null || !Path.of(e.getFile()).startsWith(dir)) throw new UncheckedIOException(e);
            throw new OpsException(ExitCode.BACKUP_FAILED, "cannot read " + e.getFile() + (e.getReason() != null ? ": " + e.getReason()
                    : e instanceof java.nio.file.AccessDeniedException ? ": permission denied" : ""), "make it readable by this user");
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing the archive: the caller names the file and a full disk
        }
    }
}
