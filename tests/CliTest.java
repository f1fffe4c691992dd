package tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tests.support.Scripts;
import tests.support.TestContainer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * --help as users see it: examples that paste (never cut in two, with this OS's launcher), the terminal's
 * own width, and only the exit codes the script can return.
 */
class CliTest {
    private static final String LONG_EXAMPLE =
            "./jbang backup.java --type daily --prometheus-textfile /var/lib/node_exporter/textfile/ra.prom";

    @TempDir Path home;

    @Test
    void helpOutsideATerminalKeepsEveryExampleOnOneLineAndListsOnlyTheScriptsExitCodes() {
        Scripts.Run backup = Scripts.run(Map.of("RA_INFRA_HOME", home.toString()), "backup.java", "--help");
        Scripts.Run health = Scripts.run(Map.of("RA_INFRA_HOME", home.toString()), "health-check.java", "--help");

        assertThat(backup.exit()).as(backup.all()).isZero();
        assertThat(backup.out()).contains("  " + LONG_EXAMPLE + "\n").doesNotContain("${sys:");
        assertThat(exitCodes(backup.out())).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "9");
        assertThat(health.exit()).as(health.all()).isZero();
        assertThat(exitCodes(health.out())).containsExactly("0", "1", "2");
        assertThat(health.out()).contains("./jbang health-check.java --json");
    }

    @Test
    void helpInAWideTerminalUsesItsWidth() throws Exception {
        String socket = home.resolve("tmux.sock").toString();
        Path done = home.resolve("done");
        ProcessBuilder pb = new ProcessBuilder("tmux", "-S", socket, "new-session", "-d", "-x", "200", "-y", "100", "--", "sh", "-c",
                "\"$@\"; touch \"$DONE\"; sleep 60", "sh", Scripts.root().resolve("jbang").toString(),
                Scripts.root().resolve("backup.java").toString(), "--help").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().keySet().removeIf(k -> k.startsWith("TMUX"));
        pb.environment().putAll(Map.of("RA_INFRA_HOME", home.toString(), "DONE", done.toString()));
        try {
            assertThat(pb.start().waitFor()).as("tmux new-session").isZero();
            for (int i = 0; i < 600 && !Files.exists(done); i++) TestContainer.sleep(200);
            Process p = new ProcessBuilder("tmux", "-S", socket, "capture-pane", "-p", "-S", "-", "-t", "0").redirectErrorStream(true).start();
            String screen = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();

            assertThat(done).as("help finished; screen:%n%s", screen).exists();
            assertThat(screen.lines().mapToInt(String::length).max().orElse(0)).as("no line is cut at 80 columns:%n%s", screen)
                    .isGreaterThan(100);
            assertThat(screen).contains(LONG_EXAMPLE);
        } finally {
            new ProcessBuilder("tmux", "-S", socket, "kill-server").redirectErrorStream(true).start().waitFor();
        }
    }

    /** The numbers listed under "Exit codes:". */
    private static List<String> exitCodes(String help) {
        String list = help.substring(help.indexOf("Exit codes:") + "Exit codes:".length());
        return Arrays.stream(list.split("\n")).map(String::strip).filter(l -> l.matches("\\d+\\s.*"))
                .map(l -> l.split("\\s")[0]).toList();
    }

    @Test
    void aBadValueIsOneLineWithAHintNotTheWholeUsage() {
        Scripts.Run run = Scripts.run(Map.of("RA_INFRA_HOME", home.toString()), "restore.java", "--date", "2026-13-45");

        assertThat(run.exit()).as(run.all()).isEqualTo(2);
        assertThat(run.err().lines().filter(l -> !l.isBlank() && !l.startsWith("[jbang]")).toList()).singleElement().asString()
                .startsWith("error: ").contains("2026-13-45", "HINT: ");
        Scripts.Run unknown = Scripts.run(Map.of("RA_INFRA_HOME", home.toString()), "restore.java", "--frm-remote");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown option: '--frm-remote' HINT: ./jbang restore.java --help", "--from-remote")
                .doesNotContain("Usage:");
        assertThat(run.all()).doesNotContain("Usage:", "Exception");
    }
}
