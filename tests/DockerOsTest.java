package tests;

import lib.DockerOs;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** What the real engine says it runs; an engine running Windows containers is covered where scripts run (WindowsEngine). */
class DockerOsTest {
    private static final Duration LIMIT = Duration.ofSeconds(15);

    @Test
    void theRealEngineRunsLinuxContainersSoAMissingContainerIsJustMissing() {
        Fixtures.requireDocker();

        assertThat(DockerOs.of(LIMIT)).isEqualTo("linux");
        assertThat(DockerOs.missing("inventory-db", "docker ps -a lists containers", LIMIT))
                .isEqualTo(new DockerOs.Missing("container inventory-db does not exist", "docker ps -a lists containers", false));
    }
}
