package tests;

import lib.ExitCode;
import lib.OpsException;
import lib.Proc;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
