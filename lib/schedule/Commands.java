package lib.schedule;

import lib.Proc;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything a platform does to the system goes through here, so that --dry-run prints it instead and
 * tests can record the exact argument lists (schtasks cannot run on Linux, yet its calls are tested).
 */
public interface Commands {
    /** Runs a command that changes the system; a dry run only prints it and answers exit 0. */
    Proc.Result change(List<String> cmd, String stdin);

    /** Runs a command that only reads (crontab -l, systemctl show): dry runs run it too. */
    Proc.Result read(List<String> cmd);

    /** Writes a file atomically (temp name, fsync, rename); a dry run prints where it would go. */
    void write(Path file, byte[] content);

    /** Deletes a file if present; a dry run prints it. */
    void delete(Path file);

    /** Whether this is a dry run (platforms skip follow-up reads that depend on a change). */
    boolean dryRun();
}
