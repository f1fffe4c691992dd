package lib.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import lib.Log;
import lib.Manifest;
import lib.SafeFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.*;
import java.time.Duration;
import java.time.Instant;
import java.util.*;
import java.util.function.Consumer;

/**
 * What has been alerted, kept in {@code LOG_DIR/alert-state.json} so that rate limits survive restarts.
 * Every change happens under an OS file lock held across read, send and write, so two runs at once
 * never both send the same alert. A corrupt file is set aside with a warning; an unwritable one means
 * the run cannot remember, which is reported but never stops the check itself.
 */
public final class AlertState {
    /** One failure type that is currently failing. Public fields: this is the JSON shape. */
    public static final class Incident {
        public String source;
        public String severity;
        public String title;
        public String detail;
        public Instant since;
        public Instant lastSeen;
        /** Channel name to the last alert or reminder that reached it. */
        public Map<String, Sent> sent = new TreeMap<>();
    }

    /** When a channel was last told about an incident, and at which severity (an escalation alerts at once). */
    public static final class Sent {
        public Instant at;
        public String severity;
    }

    /** A recovery notice that some channels have not accepted yet. */
    public static final class PendingRecovery {
        public Message message;
        public List<String> channels = new ArrayList<>();
    }

    /** The file's JSON shape. */
    public static final class Data {
        public int version = 1;
        public Map<String, Incident> incidents = new TreeMap<>();
        public List<PendingRecovery> recoveries = new ArrayList<>();
        /** One-off events (see {@link Alerts#event}): key, then channel, then when it was last sent. */
        public Map<String, Map<String, Instant>> events = new TreeMap<>();
    }

    private static final Object IN_PROCESS = new Object();
    private final Path file;
    private final Log log;
    private final Duration lockWait;

    public AlertState(Path logDir, Log log, Duration lockWait) {
        this.file = logDir.resolve("alert-state.json");
        this.log = log;
        this.lockWait = lockWait;
    }

    public Path file() { return file; }

    /**
     * Reads the state, lets {@code change} update it (and send), then writes it back, all under the lock.
     * @return false when the lock could not be had in time (another run is alerting): nothing was done
     */
    public boolean update(Consumer<Data> change) {
        synchronized (IN_PROCESS) {
            try {
                SafeFiles.createDirectories(file.getParent());
            } catch (IOException e) {
                log.warn("alert state: cannot create " + file.getParent() + ": " + e.getMessage());
            }
            Path lockFile = file.resolveSibling("alert-state.lock");
            try (FileChannel ch = SafeFiles.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                if (waitForLock(ch) == null) {
                    log.warn("alert state: " + lockFile + " is held by another run for over " + lockWait.toSeconds()
                            + " s; alerts are left for the next run");
                    return false;
                }
                apply(change);
            } catch (IOException e) {
                log.warn("alert state: cannot lock " + lockFile + " (" + e.getMessage() + "); alerting without it");
                apply(change);
            }
            return true;
        }
    }

    private void apply(Consumer<Data> change) {
        Data data = read();
        change.accept(data);
        write(data);
    }

    private FileLock waitForLock(FileChannel ch) throws IOException {
        long end = System.nanoTime() + lockWait.toNanos();
        while (true) {
            try {
                FileLock l = ch.tryLock();
                if (l != null) return l;
            } catch (OverlappingFileLockException ignored) {
                // held by this JVM through another channel: wait like for another process
            }
            if (System.nanoTime() > end) return null;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /** The current state; a missing file is empty, a corrupt one is moved aside and treated as empty. */
    public Data read() {
        if (!Files.exists(file)) return new Data();
        try {
            Data d = Manifest.JSON.readValue(Files.readAllBytes(file), Data.class);
            return d == null ? new Data() : d;
        } catch (IOException e) {
            Path aside = file.resolveSibling("alert-state.corrupt-" + Instant.now().getEpochSecond() + ".json");
            log.warn("alert state " + file + " is unreadable (" + oneLine(e) + "); moved to " + aside.getFileName()
                    + " and starting afresh");
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException moveFailed) {
                log.warn("alert state: cannot move it aside either: " + moveFailed.getMessage());
            }
            return new Data();
        }
    }

    private void write(Data data) {
        try {
            SafeFiles.write(file, Manifest.JSON.writeValueAsBytes(data));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            log.warn("alert state: cannot write " + file + " (" + e.getMessage()
                    + "); alerts sent now may repeat next run. HINT: check that LOG_DIR is writable");
        }
    }

    private static String oneLine(IOException e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
