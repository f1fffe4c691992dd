package lib;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.*;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Durable file operations for "nothing lost": temp name, fsync, then an atomic rename, and an fsync
 * of the directory so the rename itself survives a power cut. Files and folders are created
 * owner-only (0600, 0700) in the same call that creates them, so there is no moment at which another
 * local user could open them; where the file system has no POSIX permissions (Windows) the folder's
 * inherited ACL applies.
 */
public final class SafeFiles {
    public static final String PARTIAL = ".partial";

    private SafeFiles() {}

    /** The temp name a file is written under before it is complete. */
    public static Path partial(Path target) { return target.resolveSibling(target.getFileName() + PARTIAL); }

    /** Writes bytes durably, owner-only: to the temp name, fsync, rename into place. */
    public static void write(Path target, byte[] data) { write(target, data, true); }

    /** As {@link #write}, for the one kind of file another local program reads (node_exporter's textfile): umask's mode. */
    public static void writeReadable(Path target, byte[] data) { write(target, data, false); }

    private static void write(Path target, byte[] data, boolean ownerOnly) {
        Path tmp = partial(target);
        try (FileChannel ch = ownerOnly ? create(tmp) : FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            var buf = java.nio.ByteBuffer.wrap(data);
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw Disk.explain(e, target);
        }
        commit(tmp, target);
    }

    /**
     * A new, empty owner-only file opened for writing; a leftover of that name (a killed run's temp file,
     * whatever its mode) is replaced, so the file is never more open than 0600.
     */
    public static FileChannel create(Path file) throws IOException {
        Files.deleteIfExists(file);
        return open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /**
     * Opens {@code file} with {@code options}; when this creates it, it is created owner-only. A file of ours
     * that already existed and is open to others loses that (logs and locks written by older versions).
     */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        if (!posix(file)) return FileChannel.open(file, options);
        FileChannel ch = FileChannel.open(file, Set.of(options), PosixFilePermissions.asFileAttribute(OWNER_FILE));
        try {
            if (!OWNER_FILE.containsAll(Files.getPosixFilePermissions(file))) Files.setPosixFilePermissions(file, OWNER_FILE);
        } catch (IOException e) {
            // another user's file that we may write: its owner decides who reads it
        }
        return ch;
    }

    /** Creates {@code dir} and its missing parents owner-only (0700); folders that exist are left as they are. */
    public static Path createDirectories(Path dir) throws IOException {
        if (!posix(dir)) return Files.createDirectories(dir);
        return Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
    }

    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    private static boolean posix(Path p) { return p.getFileSystem().supportedFileAttributeViews().contains("posix"); }

    /** Renames a completed temp file into place atomically and syncs the directory; on Windows, see {@link #retrying}. */
    public static void commit(Path tmp, Path target) {
        try {
            retrying(() -> Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING), WINDOWS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + tmp + " to " + target, e);
        }
        syncDir(target.toAbsolutePath().getParent());
    }

    static final boolean WINDOWS = System.getProperty("os.name").startsWith("Windows");
    /** Tries of a rename on Windows, the first wait between them (doubling): 1.5 s in all. */
    static final int TRIES = 5;
    static final long FIRST_WAIT_MS = 100;

    /** A file operation that may fail for a moment. */
    @FunctionalInterface
    public interface Step {
        void run() throws IOException;
    }

    /**
     * Runs {@code step} (a rename); on Windows ({@code windows}), an access-denied or sharing failure is tried again
     * up to 5 times, waiting 100 ms and doubling, then the last failure is thrown. Defender or the search indexer
     * open a new file for a moment without sharing delete, and at the end of a long backup that must not fail it.
     * Elsewhere, and for failures a wait cannot cure (a missing file, a name taken), it fails at once.
     * Checked on Windows: not yet.
     */
    public static void retrying(Step step, boolean windows) throws IOException {
        long wait = FIRST_WAIT_MS;
        for (int attempt = 1; ; attempt++) {
            try {
                step.run();
                return;
            } catch (FileSystemException e) {
                boolean transientOnWindows = e instanceof AccessDeniedException || e.getClass() == FileSystemException.class;
                if (!windows || !transientOnWindows || attempt >= TRIES) throw e;
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting to retry a rename");
            }
            wait *= 2;
        }
    }

    /** fsync of a directory; not possible on Windows, where NTFS journals the rename itself. */
    public static void syncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Windows cannot open a directory as a channel
        }
    }

    public static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort cleanup; the next run removes leftovers
        }
    }

    /** Deletes a directory and everything in it, as far as it can (temp and scratch directories). */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (java.util.stream.Stream<Path> s = Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(SafeFiles::deleteQuietly);
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: what is left is in a temp directory
        }
    }
}
