package tests;

import lib.ExitCode;
import lib.OpsException;
import lib.Proc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tests.support.Jvm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProcTest {
    @Test
    void argumentsArriveIntactWithoutAShell() {
        List<String> hostile = List.of("a b", "it's", "\"q\"", "$HOME", "`id`", "*", "x;y|z", "ünï");
        var cmd = new java.util.ArrayList<>(List.of("printf", "%s\\n"));
        cmd.addAll(hostile);
        Proc.Result r = Proc.run(cmd, Map.of(), Duration.ofSeconds(10));
        assertThat(r.ok()).isTrue();
        assertThat(r.stdout().lines().toList()).isEqualTo(hostile);
    }

    @Test
    void environmentIsPassedAndStderrKeptSeparately() {
        Proc.Result r = Proc.run(List.of("sh", "-c", "echo \"$RA_X\"; echo oops >&2; exit 3"), Map.of("RA_X", "value x"),
                Duration.ofSeconds(10));
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.stdout().strip()).isEqualTo("value x");
        assertThat(r.stderr().strip()).isEqualTo("oops");
        assertThat(r.lastError()).isEqualTo("oops");
    }

    @Test
    void stdinIsStreamedToTheProcess() {
        byte[] data = new byte[3 << 20];
        new java.util.Random(1).nextBytes(data);
        Proc.Result r = Proc.run(List.of("wc", "-c"), Map.of(), Duration.ofSeconds(10), new ByteArrayInputStream(data), null);
        assertThat(r.stdout().strip()).isEqualTo(String.valueOf(data.length));
    }

    @Test
    void failureOnOurSideOfThePipeIsReportedAndStopsTheProcess() {
        OutputStream full = new OutputStream() {
            long written;
            @Override public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }
            @Override public void write(byte[] b, int off, int len) throws IOException {
                written += len;
                if (written > 1 << 20) throw new IOException("No space left on device");
            }
        };
        long start = System.nanoTime();
        assertThatThrownBy(() -> Proc.run(List.of("cat", "/dev/zero"), Map.of(), Duration.ofSeconds(20), null, full))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("No space left");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    }

    /** A failure writing our output is ours, whatever words it has: a text never passes for the process's early exit. */
    @ParameterizedTest
    @ValueSource(strings = {"Broken pipe", "Stream closed", "The pipe is being closed", "Die Pipe wird geschlossen",
            "Le canal de communication est sur le point d'être fermé"})
    void ourSideFailingIsReportedWhateverTheMessageSays(String message) {
        OutputStream broken = new OutputStream() {
            @Override public void write(int b) throws IOException { throw new IOException(message); }
            @Override public void write(byte[] b, int off, int len) throws IOException { throw new IOException(message); }
        };
        assertThatThrownBy(() -> Proc.run(List.of("cat", "/dev/zero"), Map.of(), Duration.ofSeconds(20), null, broken))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining(message);
    }

    @Test
    void aChildThatExitsBeforeReadingItsInputIsReportedByItsExitCode() {
        Proc.Result r = Proc.run(List.of("sh", "-c", "echo refused >&2; exit 3"), Map.of(), Duration.ofSeconds(20), endless(), null);

        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.lastError()).isEqualTo("refused");
    }

    /** The pipe broke while the child runs on: not its exit, so the broken input is ours to report. */
    @Test
    void aChildThatClosesItsInputButRunsOnIsAFailureOnOurSide() {
        assertThatThrownBy(() -> Proc.run(List.of("sh", "-c", "exec 0<&-; sleep 5"), Map.of(), Duration.ofSeconds(20), endless(), null))
                .isInstanceOf(UncheckedIOException.class);
    }

    /** Zeros without end. */
    private static InputStream endless() {
        return new InputStream() {
            @Override public int read() { return 0; }
            @Override public int read(byte[] b, int off, int len) { java.util.Arrays.fill(b, off, off + len, (byte) 0); return len; }
        };
    }

    /** pg_ctl start on Windows: the server it leaves behind holds the handles it inherited, so no pipe to us would end. */
    @Test
    void runToFileReturnsWhenTheProgramExitsThoughWhatItStartedHoldsItsOutput(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Proc.Result r = Proc.runToFile(List.of("sh", "-c", "sleep 600 & echo $!; echo started >&2; exit 4"), Map.of(),
                Duration.ofSeconds(60), out);
        ProcessHandle left = ProcessHandle.of(Long.parseLong(Files.readAllLines(out).get(0))).orElseThrow();
        try {
            assertThat(r.exit()).isEqualTo(4);
            assertThat(r.lastError()).isEqualTo("started");
            assertThat(left.isAlive()).isTrue();
        } finally {
            left.destroyForcibly();
        }
    }

    /** Runs {@code sh -c "sleep 600; :"} through Proc (the sleep is a grandchild) until it is stopped. */
    public static final class SleepRunner {
        public static void main(String[] args) {
            Proc.run(List.of("sh", "-c", "sleep 600; :"), Map.of(), Duration.ofMinutes(15));
        }
    }

    @Test
    void stoppingTheJvmKillsWhatItStartedAndWhatThoseStarted(@TempDir Path dir) throws Exception {
        Process jvm = Jvm.start(Jvm.command(SleepRunner.class), Map.of(), dir.resolve("log"));
        ProcessHandle sleep = Jvm.awaitDescendant(jvm.toHandle(), "sleep");
        try {
            jvm.destroy();

            assertThat(Jvm.ends(jvm.toHandle())).isTrue();
            assertThat(Jvm.ends(sleep)).as("the grandchild is killed too").isTrue();
        } finally {
            sleep.destroyForcibly();
        }
    }

    /** Starts a detached program (as Docker Desktop is started) that writes its pid, then a sleep it waits for. */
    public static final class DetachRunner {
        public static void main(String[] args) throws Exception {
            Proc.startDetached(List.of("sh", "-c", "echo $$ > \"$1\"; exec tail -f /dev/null", "sh", args[0]));
            SleepRunner.main(args);
        }
    }

    @Test
    void aDetachedProgramOutlivesTheJvmThatStartedIt(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("pid");
        Process jvm = Jvm.start(Jvm.command(DetachRunner.class, pidFile.toString()), Map.of(), dir.resolve("log"));
        ProcessHandle sleep = Jvm.awaitDescendant(jvm.toHandle(), "sleep");
        ProcessHandle detached = Jvm.await(() -> {
            try {
                String pid = Files.exists(pidFile) ? Files.readString(pidFile).strip() : "";
                return pid.isEmpty() ? java.util.Optional.empty() : ProcessHandle.of(Long.parseLong(pid));
            } catch (java.io.IOException e) {
                return java.util.Optional.empty();
            }
        }, "the detached program's pid");
        try {
            jvm.destroy();

            assertThat(Jvm.ends(jvm.toHandle())).isTrue();
            assertThat(Jvm.ends(sleep)).isTrue();
            assertThat(detached.isAlive()).as("Docker Desktop must outlive verify-startup").isTrue();
        } finally {
            detached.destroyForcibly();
            sleep.destroyForcibly();
        }
    }

    /**
     * As {@link SleepRunner}, with a shutdown hook whose cleanup runs a program that takes a while and leaves a mark:
     * Proc must still run programs while the JVM exits (no hook can be added then) and the exit hook must spare them.
     */
    public static final class CleanupRunner {
        public static void main(String[] args) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> Proc.run(List.of("sh", "-c", "sleep 1; echo done > \"$1\"", "sh", args[0]),
                    Map.of(), Duration.ofSeconds(30))));
            SleepRunner.main(args);
        }
    }

    @Test
    void cleanupThatRunsWhileTheJvmExitsIsNotKilled(@TempDir Path dir) throws Exception {
        Path mark = dir.resolve("mark");
        Process jvm = Jvm.start(Jvm.command(CleanupRunner.class, mark.toString()), Map.of(), dir.resolve("log"));
        ProcessHandle sleep = Jvm.awaitDescendant(jvm.toHandle(), "sleep");
        try {
            jvm.destroy();

            assertThat(Jvm.ends(jvm.toHandle())).isTrue();
            assertThat(Jvm.ends(sleep)).isTrue();
            assertThat(mark).as("the hook's program ran to its end").hasContent("done");
        } finally {
            sleep.destroyForcibly();
        }
    }

    @Test
    void missingProgramIsAClearUnavailableError() {
        assertThatThrownBy(() -> Proc.run(List.of("/nonexistent/pg_dump", "--version"), Map.of(), Duration.ofSeconds(5)))
                .isInstanceOf(OpsException.class).hasMessageContaining("cannot run /nonexistent/pg_dump")
                .satisfies(e -> {
                    assertThat(((OpsException) e).exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
                    assertThat(((OpsException) e).hint()).contains("PG_BIN");
                });
    }

    @Test
    void timeoutKillsAndSaysSo() {
        assertThatThrownBy(() -> Proc.run(List.of("sleep", "30"), Map.of(), Duration.ofMillis(300)))
                .isInstanceOf(OpsException.class).hasMessageContaining("did not finish within");
    }

    @Test
    void sessionKeepsADialogue() throws Exception {
        try (Proc.Session s = Proc.start(List.of("cat"), Map.of())) {
            var w = s.writer();
            var r = s.reader();
            w.write("hello\n");
            w.flush();
            assertThat(r.readLine()).isEqualTo("hello");
            w.write("again\n");
            w.flush();
            assertThat(r.readLine()).isEqualTo("again");
        }
    }
}
