package lib;

/**
 * The exit codes every script returns. They are part of the public contract (schedulers and
 * monitoring key off them), so numbers never change meaning; new ones are appended.
 */
public final class ExitCode {
    public static final int OK = 0;
    /** A check, validation or drill failed (the database or backup is not healthy). */
    public static final int FAILED = 1;
    /** Bad flags, bad configuration, or a refused prompt. */
    public static final int USAGE = 2;
    /** Another run holds the lock for this database. */
    public static final int LOCKED = 3;
    /** The server, container or a required program could not be reached or run. */
    public static final int UNAVAILABLE = 4;
    /** The backup could not be taken (pg_dump or pg_dumpall failed). */
    public static final int BACKUP_FAILED = 5;
    /** A backup file failed verification (checksum, archive listing, test restore or row counts). */
    public static final int VERIFY_FAILED = 6;
    /** Not enough free disk space, before or during the run. */
    public static final int NO_SPACE = 7;
    /** The restore failed; the target database was left as it was. */
    public static final int RESTORE_FAILED = 8;
    /** The off-site copy failed (upload, its verification, or the remote is unreachable); local backups are kept. */
    public static final int REMOTE_FAILED = 9;

    /** Lines for picocli's {@code exitCodeList}, shown under --help. */
    public static final String[] HELP = {
        "0:ok",
        "1:a check, validation or drill failed, or an unexpected error (-v shows its details)",
        "2:usage or configuration error, or confirmation refused",
        "3:another run holds the lock for this database",
        "4:server, container, Docker or a program (pg_dump, docker) unavailable",
        "5:backup failed (pg_dump / pg_dumpall)",
        "6:backup file failed verification",
        "7:not enough free disk space",
        "8:restore failed; the target database is unchanged",
        "9:off-site copy failed (remote unreachable, upload or its check failed); the local backup is kept",
    };

    private ExitCode() {}
}
