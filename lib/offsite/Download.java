package lib.offsite;

import lib.BackupStore;
import lib.Log;
import lib.SafeFiles;
import lib.crypt.Encryption;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * A remote set brought into {@code BACKUP_DIR/.downloads/<name>} for one run (a restore or a drill from the
 * off-site copy) and removed when that run ends, however it ends: close it in a try-with-resources.
 */
public final class Download implements AutoCloseable {
    private final Path dir;

    /** @param name the folder under .downloads, unique to the run (the set's base name, or the drill's stamp) */
    public Download(Path backupDir, String name) {
        this.dir = backupDir.resolve(".downloads").resolve(name);
    }

    /**
     * Fetches {@code set} with every checksum checked (and decrypted when it was encrypted for the trip).
     * @param progress where to say that the download runs, or null for none (--json)
     */
    public BackupStore.Entry fetch(RemoteStore remote, RemoteStore.RemoteSet set, Encryption encryption, PrintStream progress, Log log) {
        if (progress != null) progress.println("downloading " + set.type() + "/" + set.base() + " from " + remote.remote() + " ...");
        BackupStore.Entry entry = remote.fetch(set, dir, encryption);
        log.info("downloaded " + set.type() + "/" + set.base() + " from " + remote.remote() + ", checksums OK");
        return entry;
    }

    @Override
    public void close() { SafeFiles.deleteTree(dir); }
}
