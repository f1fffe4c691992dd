package tests;

import lib.Config;
import lib.Log;
import lib.startup.DockerDesktop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tests.support.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Finding, recognising and launching Docker Desktop, with real programs standing in for it. */
class DockerDesktopTest {
    @TempDir Path home;

    private Optional<DockerDesktop> desktop(String exe) {
        Config cfg = Config.load(null, Map.of("DOCKER_DESKTOP_EXE", exe), Map.of("RA_INFRA_HOME", home.toString()));
        return DockerDesktop.from(cfg, new Log(home, "startup"));
    }

    @Test
    void nothingToStartWhenTheSettingIsBlankOrNamesNoFileHere() {
        assertThat(desktop("")).isEmpty();
        assertThat(desktop(home.resolve("missing.exe").toString())).isEmpty();
        assertThat(desktop("C:\\Program Files\\Docker\\Docker\\Docker Desktop.exe")).as("the Windows default on Linux").isEmpty();
        assertThat(desktop(home.toString())).as("a directory is not a program").isEmpty();
    }

    @Test
    void aRunningCopyIsRecognisedByItsProgramName() throws Exception {
        Path exe = home.resolve("fake-docker-desktop");
        Files.copy(Path.of("/bin/sleep"), exe, StandardCopyOption.COPY_ATTRIBUTES);
        DockerDesktop d = desktop(exe.toString()).orElseThrow();
        assertThat(d.running()).isFalse();

        Process p = new ProcessBuilder(exe.toString(), "30").start();
        try {
            assertThat(d.running()).isTrue();
        } finally {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void startLaunchesItDetachedWithoutWaitingForIt() throws Exception {
        Path marker = home.resolve("started.txt");
        Path exe = home.resolve("Docker Desktop");
        Fixtures.shellScript(exe, "echo up > '" + marker + "'\nsleep 5\n");

        long t = System.nanoTime();
        String said = desktop(exe.toString()).orElseThrow().start();

        assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(3));
        assertThat(said).isEqualTo("started Docker Desktop");
        for (int i = 0; i < 100 && !Files.exists(marker); i++) Thread.sleep(50);
        assertThat(marker).hasContent("up");
        assertThat(Files.readString(home.resolve("startup.log"))).contains("started " + exe);
    }

    @Test
    void aProgramThatCannotBeStartedIsReportedNotThrown() throws Exception {
        Path exe = home.resolve("not-executable");
        Files.writeString(exe, "data");
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rw-------"));

        assertThat(desktop(exe.toString()).orElseThrow().start()).startsWith("could not start " + exe);
    }
}
