package tests;

import lib.ExitCode;
import lib.Lock;
import lib.OpsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LockTest {
    @TempDir Path dir;

    @Test
    void secondHolderIsRefusedWithPidAndStart() {
        try (Lock l = Lock.acquire(dir, "inventory", "backup")) {
            assertThatThrownBy(() -> Lock.acquire(dir, "inventory", "backup"))
                    .isInstanceOf(OpsException.class)
                    .hasMessageMatching("backup of inventory already running \\(pid " + ProcessHandle.current().pid() + " since .*Z\\)")
                    .satisfies(e -> assertThat(((OpsException) e).exitCode()).isEqualTo(ExitCode.LOCKED));
            Lock.acquire(dir, "inventory2", "backup").close();
        }
        Lock.acquire(dir, "inventory", "backup").close();
    }

    @Test
    void databasesWhoseNamesDifferOnlyInCaseHoldLocksWhoseFilesDifferOnNtfsToo() throws Exception {
        try (Lock upper = Lock.acquire(dir, "Sales", "backup"); Lock lower = Lock.acquire(dir, "sales", "backup");
             Lock device = Lock.acquire(dir, "con", "backup")) {
            List<String> files;
            try (var s = Files.list(dir.resolve(".locks"))) {
                files = s.map(f -> f.getFileName().toString().toLowerCase(java.util.Locale.ROOT)).distinct().toList();
            }
            assertThat(files).hasSize(3).noneMatch(f -> f.equals("con.lock"));
        }
    }

    @Test
    void lockLeftByADeadProcessIsTakenOver() throws Exception {
        Path file = Files.createDirectories(dir.resolve(".locks")).resolve("inventory.lock");
        Files.writeString(file, "pid 999999 since 2026-01-01T00:00:00Z");
        try (Lock l = Lock.acquire(dir, "inventory", "backup")) {
            assertThat(l.takenOverFrom()).isEqualTo("pid 999999 since 2026-01-01T00:00:00Z");
            assertThat(Files.readString(file)).startsWith("pid " + ProcessHandle.current().pid());
        }
    }

    @Test
    void lockHeldByAnotherProcessIsRespected() throws Exception {
        Path file = Files.createDirectories(dir.resolve(".locks")).resolve("inventory.lock");
        Files.writeString(file, "");
        // Another process holds the same POSIX record lock a running backup would hold.
        Process p = new ProcessBuilder("python3", "-c", "import fcntl,os,sys,time\n"
                + "f=open(sys.argv[1],'r+'); f.write('pid 4242 since T'); f.flush()\n"
                + "fcntl.lockf(f, fcntl.LOCK_EX, 1, 9223372036854775806, 0)\nprint('locked', flush=True)\ntime.sleep(30)", file.toString())
                .redirectErrorStream(true).start();
        try {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine()).isEqualTo("locked");
            assertThatThrownBy(() -> Lock.acquire(dir, "inventory", "backup")).hasMessageContaining("pid 4242 since T");
        } finally {
            p.destroyForcibly().waitFor();
        }
        Lock.acquire(dir, "inventory", "backup").close();
    }

    @Test
    void aRunWaitsForTheHolderThenRunsOrGivesUpSayingItWasSkipped() throws Exception {
        Path file = Files.createDirectories(dir.resolve(".locks")).resolve("inventory.lock");
        Files.writeString(file, "");
        Process p = holdFor(file, 2);
        try {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine()).isEqualTo("locked");
            assertThatThrownBy(() -> Lock.acquire(dir, "inventory", "backup", Duration.ofMillis(300), h -> { }))
                    .isInstanceOf(OpsException.class)
                    .hasMessageStartingWith("backup of inventory skipped: another run held the lock for over 0 s (pid 4242 since T)")
                    .satisfies(e -> assertThat(((OpsException) e).exitCode()).isEqualTo(ExitCode.LOCKED));
            List<String> heard = new ArrayList<>();
            try (Lock l = Lock.acquire(dir, "inventory", "backup", Duration.ofSeconds(60), heard::add)) {
                assertThat(heard).as("told once, when the wait began").containsExactly("pid 4242 since T");
                assertThat(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("got it once the holder let go").isTrue();
            }
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    /** Another process that holds the lock a running backup would hold, for {@code seconds}. */
    private static Process holdFor(Path file, int seconds) throws java.io.IOException {
        return new ProcessBuilder("python3", "-c", "import fcntl,os,sys,time\n"
                + "f=open(sys.argv[1],'r+'); f.write('pid 4242 since T'); f.flush()\n"
                + "fcntl.lockf(f, fcntl.LOCK_EX, 1, 9223372036854775806, 0)\nprint('locked', flush=True)\ntime.sleep(" + seconds + ")",
                file.toString()).redirectErrorStream(true).start();
    }
}
