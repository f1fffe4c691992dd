package lib;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Consumer;

/**
 * One lock per database, {@code BACKUP_DIR/.locks/<db>.lock} ({@code <db>} as {@link BackupStore#encode} writes it,
 * so {@code Sales} and {@code sales} have locks of their own on NTFS too), held with an OS file lock: the OS
 * releases it when the holder dies (even kill -9), so a lock left by a killed run is simply taken
 * over. The file's text says who holds it, for the "already running" message.
 */
public final class Lock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;
    private final String previous;

    private Lock(FileChannel channel, FileLock lock, String previous) {
        this.channel = channel;
        this.lock = lock;
        this.previous = previous;
    }

    /** Takes the lock or throws exit-code-3 "backup of DB already running (pid N since T)". */
    public static Lock acquire(Path backupDir, String db, String what) {
        return acquire(backupDir, db, what, Duration.ZERO, holder -> { });
    }

    /**
     * Takes the lock, waiting up to {@code wait} for a run that holds it (two scheduled runs that start
     * together both get their turn); {@code waiting} hears the holder once when the wait begins. Gives up
     * with exit code 3, saying the run was skipped because another one held the lock.
     */
    public static Lock acquire(Path backupDir, String db, String what, Duration wait, Consumer<String> waiting) {
        Path file = backupDir.resolve(".locks").resolve(BackupStore.encode(db) + ".lock");
        try {
            SafeFiles.createDirectories(file.getParent());
            FileChannel ch = SafeFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l = tryLock(ch);
            String holder = read(ch);
            long deadline = System.nanoTime() + wait.toNanos();
            boolean told = false;
            // A holder that has just locked (or is just releasing) may not have written its text yet.
            for (int blank = 0; l == null; ) {
                boolean settling = holder.isBlank() && blank++ < 20;
                if (!settling && System.nanoTime() - deadline >= 0) {
                    ch.close();
                    throw refused(what, db, wait, holder);
                }
                if (!settling && !told) {
                    waiting.accept(holder);
                    told = true;
                }
                sleep(settling ? 50 : 250);
                l = tryLock(ch);
                holder = read(ch);
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " since "
                    + Instant.now().truncatedTo(ChronoUnit.SECONDS)).getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            return new Lock(ch, l, holder);
        } catch (IOException e) {
            throw new OpsException(ExitCode.FAILED, "cannot create lock file " + file + ": " + e.getMessage(),
                    "check that BACKUP_DIR is writable");
        }
    }

    private static OpsException refused(String what, String db, Duration wait, String holder) {
        String who = holder.isBlank() ? "holder unknown" : holder;
        if (wait.isZero()) {
            return new OpsException(ExitCode.LOCKED, what + " of " + db + " already running (" + who + ")",
                    "wait for it to finish; the lock frees itself when that process ends");
        }
        return new OpsException(ExitCode.LOCKED, what + " of " + db + " skipped: another run held the lock for over "
                + wait.toSeconds() + " s (" + who + ")", "this run did nothing; if the other run hangs, stop it; "
                + "LOCK_WAIT_SECONDS sets how long a run waits for another one");
    }

    /** Locks a byte far past the text, so that (on Windows too) others can still read who holds it. */
    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock(Long.MAX_VALUE - 1, 1, false);
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return null;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Text of a lock taken over from a run that died, else empty. */
    public String takenOverFrom() { return previous; }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(200);
        ch.read(buf, 0);
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
    }

    @Override
    public void close() {
        try {
            channel.truncate(0);
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the OS releases the lock when the channel or process goes away
        }
    }
}
