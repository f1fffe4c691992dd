package tests;

import lib.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class LogTest {
    @TempDir Path dir;

    @Test
    void oneLinePerEventWithUtcTimestampLevelAndPid() throws Exception {
        Log log = new Log(dir.resolve("logs"), "backup");
        log.info("first\nsecond line");
        log.error("boom");
        var lines = Files.readAllLines(dir.resolve("logs/backup.log"));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z INFO \\[\\d+] first second line");
        assertThat(lines.get(1)).contains(" ERROR ").endsWith("boom");
    }

    @Test
    void secretsAreMasked() throws Exception {
        Log log = new Log(dir, "t").mask("hunter2").mask("").mask(null);
        log.warn("connecting with hunter2 to db");
        assertThat(Files.readString(dir.resolve("t.log"))).doesNotContain("hunter2").contains("********");
    }

    @Test
    void rotatesAtFiveMegabytesKeepingFive() throws Exception {
        Log log = new Log(dir, "r");
        String big = "x".repeat(100_000);
        for (int i = 0; i < 7 * 55; i++) log.info(big);
        assertThat(dir.resolve("r.log")).exists();
        assertThat(dir.resolve("r.log.1")).exists();
        assertThat(dir.resolve("r.log.5")).exists();
        assertThat(dir.resolve("r.log.6")).doesNotExist();
        assertThat(Files.size(dir.resolve("r.log.1"))).isLessThanOrEqualTo(5L * 1024 * 1024 + 200_000);
    }

    @Test
    void unwritableLogNeverStopsTheJob() throws Exception {
        Path file = dir.resolve("not-a-dir");
        Files.writeString(file, "x");
        new Log(file, "x").info("still fine");
    }

    /** A log past its rotation size: one line after five megabytes of others. */
    static Path large(Path file) throws Exception {
        Files.write(file, ("x".repeat(1023) + "\n").repeat(5 * 1024 + 1).getBytes());
        return file;
    }

    @Test
    void aRotationThatFailsStillAppendsTheEventToTheCurrentFileAndWarnsOnce() throws Exception {
        Path file = large(dir.resolve("busy.log"));
        // names the rotation needs, taken by folders that cannot be replaced: as a file held open on Windows
        for (int n : new int[] {0, 1}) Files.writeString(Files.createDirectories(Log.rotated(file, n)).resolve("in-the-way"), "x");
        var err = new java.io.ByteArrayOutputStream();
        var stderr = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        try {
            new Log(dir, "busy").warn("first event");
            Log.append(file, "second event\n");
        } finally {
            System.setErr(stderr);
        }

        var lines = Log.tail(file, 3000).lines();
        assertThat(lines.subList(lines.size() - 3, lines.size())).satisfiesExactly(
                l -> assertThat(l).isEqualTo("x".repeat(1023)),
                l -> assertThat(l).endsWith(" WARN [" + ProcessHandle.current().pid() + "] first event"),
                l -> assertThat(l).isEqualTo("second event"));
        assertThat(Files.size(file)).isGreaterThan(5L * 1024 * 1024);
        assertThat(err.toString()).containsOnlyOnce("warning: cannot rotate " + file).doesNotContain("cannot write log");
    }

    @Test
    void aRotationStoppedHalfwayIsFinishedByTheNextOneAndNothingIsLost() throws Exception {
        Path file = dir.resolve("half.log");
        Files.writeString(Log.rotated(file, 1), "oldest\n");
        Files.writeString(Log.rotated(file, 0), "moved aside\n");
        large(file);

        Log.append(file, "new\n");

        assertThat(Files.readString(Log.rotated(file, 2))).isEqualTo("oldest\n");
        assertThat(Files.readString(Log.rotated(file, 1))).isEqualTo("moved aside\n");
        assertThat(Log.rotated(file, 0)).doesNotExist();
        assertThat(Log.tail(file, 100).lines()).endsWith("new");
    }

    @Test
    void readersOfTheEndSeeWholeLinesWhileTheFileRotatesUnderThem() throws Exception {
        Path file = dir.resolve("r.log");
        String line = "y".repeat(99_999) + "\n";
        var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
        Thread reader = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    if (!Files.exists(file)) continue;
                    var lines = Log.tail(file, 300_000).lines();
                    // the last one may still be being written
                    lines.subList(0, Math.max(0, lines.size() - 1)).forEach(l -> assertThat(l).isEqualTo(line.strip()));
                } catch (java.nio.file.NoSuchFileException gone) {
                    // rotated between the check and the open
                } catch (Throwable t) {
                    failure.set(t);
                    return;
                }
            }
        });
        reader.start();
        for (int i = 0; i < 120; i++) Log.append(file, line);
        reader.interrupt();
        reader.join();

        assertThat(failure.get()).isNull();
        assertThat(Files.size(file) + Files.size(Log.rotated(file, 1)) + Files.size(Log.rotated(file, 2))).isEqualTo(120L * line.length());
    }
}
