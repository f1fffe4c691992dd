package tests;

import lib.Docker;
import lib.ExitCode;
import lib.OpsException;
import lib.Proc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.TestContainer;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What {@link Docker} reads from a real engine through the docker CLI, and how it recognises an engine that is down. */
class DockerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static TestContainer db;

    @BeforeAll
    static void startContainer() {
        Fixtures.requireDocker();
        db = TestContainer.postgres();
    }

    @AfterAll
    static void removeContainer() {
        if (db != null) db.close();
    }

    @Test
    void theEngineNamesItsOperatingSystem() {
        assertThat(Docker.operatingSystem(TIMEOUT)).isNotBlank().isNotEqualTo("Docker Desktop");
    }

    @Test
    void dockerDesktopsDataIsLookedForOnlyOnWindowsUnderDockerDesktopUnlessConfigured() {
        String local = "C:\\Users\\Jürgen\\AppData\\Local";
        assertThat(Docker.desktopData("", true, local, () -> "Docker Desktop")).contains(Path.of(local, "Docker", "wsl"));
        assertThat(Docker.desktopData("", true, local, () -> "Ubuntu 24.04 LTS")).isEmpty();
        assertThat(Docker.desktopData("", false, local, () -> { throw new AssertionError("docker info asked off Windows"); })).isEmpty();
        assertThat(Docker.desktopData("D:\\Docker", false, local, () -> { throw new AssertionError("docker info asked"); }))
                .isEqualTo(Optional.of(Path.of("D:\\Docker")));
    }

    @Test
    void inspectOfARunningHealthyContainer() {
        Docker.Container c = Docker.inspect(db.name(), TIMEOUT);

        assertThat(c.name()).isEqualTo(db.name());
        assertThat(c.running()).isTrue();
        assertThat(c.status()).isEqualTo("running");
        assertThat(c.health()).isEqualTo("healthy");
        assertThat(c.healthy()).isTrue();
        assertThat(c.restartCount()).isZero();
        assertThat(c.exitCode()).isZero();
        assertThat(Instant.parse(c.startedAt())).isBefore(Instant.now());
        assertThat(c.describe()).isEqualTo("running, healthy");
    }

    @Test
    void inspectOfAMissingContainerSaysItDoesNotExist() {
        String name = "ra-test-missing-" + Long.toHexString(ThreadLocalRandom.current().nextLong());

        assertThatThrownBy(() -> Docker.inspect(name, TIMEOUT)).isInstanceOfSatisfying(OpsException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("container " + name + " does not exist");
            assertThat(e.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
            assertThat(e.hint()).contains("docker ps -a");
        });
    }

    @Test
    void engineVersionIsTheServersVersionNumber() {
        assertThat(Docker.engineVersion(TIMEOUT)).matches("\\d+\\.\\d+\\S*");
    }

    @Test
    void engineDownRecognisesAnUnreachableDaemonButNotOtherErrors() {
        assertThat(Docker.engineDown("Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?")).isTrue();
        assertThat(Docker.engineDown("error during connect: Get \"http://%2F%2F.%2Fpipe%2FdockerDesktopLinuxEngine/v1.47/version\": "
                + "open //./pipe/dockerDesktopLinuxEngine: The system cannot find the file specified.")).isTrue();
        assertThat(Docker.engineDown("Error response from daemon: No such container: inventory-db")).isFalse();
        assertThat(Docker.engineDown("Error response from daemon: container abc is not running")).isFalse();
    }

    /** The wording is the CLI's, not ours: this docker CLI's real message for a missing socket must be recognised. */
    @Test
    void engineDownRecognisesThisCliTalkingToANonexistentSocket() {
        String socket = "unix:///tmp/ra-no-engine-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".sock";
        Proc.Result r = Proc.run(List.of("docker", "version", "--format", "{{.Server.Version}}"), Map.of("DOCKER_HOST", socket), TIMEOUT);

        assertThat(r.ok()).as(r.stdout() + r.stderr()).isFalse();
        assertThat(Docker.engineDown(r.stderr())).as(r.stderr()).isTrue();
    }
}
