package lib;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.*;

/**
 * Durable file operations for "nothing lost": temp name, fsync, then an atomic rename, and an fsync
 * of the directory so the rename itself survives a power cut.
 */
public final class SafeFiles {
    public static final String PARTIAL = ".partial";

    private SafeFiles() {}

    /** The temp name a file is written under before it is complete. */
    public static Path partial(Path target) { return target.resolveSibling(target.getFileName() + PARTIAL); }

    /** Writes bytes durably: to the temp name, fsync, rename into place. */
    public static void write(Path target, byte[] data) {
        Path tmp = partial(target);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
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

    /** Renames a completed temp file into place atomically and syncs the directory. */
    public static void commit(Path tmp, Path target) {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + tmp + " to " + target, e);
        }
        syncDir(target.toAbsolutePath().getParent());
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
