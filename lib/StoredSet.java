package lib;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** A set in BACKUP_DIR as retention and listings see it: a database backup or a volume archive. */
public interface StoredSet {
    String type();

    /** When it was taken, as its name says. */
    Instant at();

    boolean verified();

    /** Taken with verification off (VERIFY=none): not proven, but not failed either. */
    default boolean verifyOff() { return false; }

    /** The set's manifest (null when missing): it goes first, so a half-deleted set never looks complete. */
    Path manifestFile();

    /** Every file of the set that exists. */
    List<Path> files();
}
