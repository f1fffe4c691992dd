package tests;

import lib.Config;
import lib.Log;
import lib.startup.DesktopSession;
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

/**
 * Finding, recognising and launching Docker Desktop, with real programs standing in for it; and not launching it
 * where nobody is signed in, with Windows sessions described by their environment and tasklist's answer.
 */
class DockerDesktopTest {
    /** This machine: not Windows, so sessions do not matter. */
    private static final DesktopSession HERE = DesktopSession.current(false);
    private static final String NOBODY = "Docker Desktop not started: no one is signed in (this task runs whether the user is "
            + "logged on or not); waiting for the engine";

    @TempDir Path home;

    private Optional<DockerDesktop> desktop(String exe) { return desktop(exe, HERE); }

    private Optional<DockerDesktop> desktop(String exe, DesktopSession session) {
        Config cfg = Config.load(null, Map.of("DOCKER_DESKTOP_EXE", exe), Map.of("RA_INFRA_HOME", home.toString()));
        return DockerDesktop.from(cfg, new Log(home, "startup"), session);
    }

    private static DesktopSession windows(Map<String, String> env, String tasklist) {
        return new DesktopSession(false, true, env, () -> tasklist);
    }

    /** A stand-in for Docker Desktop that leaves a line in {@code marker} each time it is started. */
    private Path fakeDesktop(Path marker) {
        return Fixtures.shellScript(home.resolve("Docker Desktop"), "echo up >> '" + marker + "'\n");
    }

    /** How often the stand-in was started, once a launched one has had a second to leave its mark. */
    private static int startsSeen(Path marker) throws Exception {
        for (int i = 0; i < 20 && !Files.exists(marker); i++) Thread.sleep(50);
        return Files.exists(marker) ? Files.readAllLines(marker).size() : 0;
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

    @Test
    void anInteractiveWindowsSessionLaunchesIt() throws Exception {
        Path marker = home.resolve("started.txt");
        Path exe = fakeDesktop(marker);

        DockerDesktop console = desktop(exe.toString(), windows(Map.of("SESSIONNAME", "Console"), "")).orElseThrow();
        assertThat(console.notStarting()).isEmpty();
        assertThat(console.start()).isEqualTo("started Docker Desktop");
        assertThat(startsSeen(marker)).isEqualTo(1);
        DockerDesktop remote = desktop(exe.toString(), windows(Map.of("SESSIONNAME", "RDP-Tcp#3"), "")).orElseThrow();
        assertThat(remote.notStarting()).isEmpty();
    }

    @Test
    void withoutSessionNameOnWindowsItIsNotLaunchedAndTheStepSaysWhy() throws Exception {
        Path marker = home.resolve("started.txt");
        Path exe = fakeDesktop(marker);

        DockerDesktop noSession = desktop(exe.toString(), windows(Map.of("USERNAME", "ops"), "")).orElseThrow();

        assertThat(noSession.notStarting()).contains(NOBODY);
        assertThat(noSession.start()).isEqualTo(NOBODY);
        assertThat(startsSeen(marker)).as("not launched").isZero();
        assertThat(Files.readString(home.resolve("startup.log"))).contains(NOBODY);
    }

    /** Where SESSIONNAME is missing in a user's session (some terminals), tasklist's Session# column decides. */
    @Test
    void tasklistsSessionNumberDecidesWhenSessionNameIsMissing() {
        String user = "\"java.exe\",\"4242\",\"Console\",\"1\",\"81.220 K\"\r\n";        // German thousands separator
        String services = "\"java.exe\",\"4242\",\"Services\",\"0\",\"81,220 K\"\r\n";
        String none = "INFORMATION: Es werden keine Aufgaben mit den angegebenen Kriterien ausgeführt.\r\n";

        assertThat(windows(Map.of(), user).whyNot()).isEmpty();
        assertThat(windows(Map.of(), services).whyNot()).contains("no one is signed in (this task runs whether the user is logged on or not)");
        assertThat(windows(Map.of(), none).whyNot()).as("unknown: do not launch").isPresent();
        assertThat(windows(Map.of("SESSIONNAME", ""), user).whyNot()).as("an empty SESSIONNAME is none").isEmpty();
    }

    @Test
    void noDesktopNeverLaunchesIt() throws Exception {
        Path marker = home.resolve("started.txt");
        Path exe = fakeDesktop(marker);
        String said = "Docker Desktop not started: --no-desktop; waiting for the engine";

        DockerDesktop onWindows = desktop(exe.toString(), new DesktopSession(true, true, Map.of("SESSIONNAME", "Console"), () -> "")).orElseThrow();
        DockerDesktop onLinux = desktop(exe.toString(), DesktopSession.current(true)).orElseThrow();

        assertThat(onWindows.start()).isEqualTo(said);
        assertThat(onLinux.start()).isEqualTo(said);
        assertThat(startsSeen(marker)).isZero();
    }
}
