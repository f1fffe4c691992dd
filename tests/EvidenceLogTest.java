package tests;

import lib.drill.DrillRecord;
import lib.drill.EvidenceLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** lib/drill/EvidenceLog: the restore-test log an auditor reads. */
class EvidenceLogTest {
    private final Path home = Fixtures.home();

    @AfterEach
    void cleanUp() {
        BackupScriptTest.deleteTree(home.getParent());
    }

    static DrillRecord record(String result, String db, double rto, double rpo, List<String> problems) {
        return new DrillRecord(Instant.parse("2026-11-26T10:15:30Z"), "configured", "restore", db, "inventory_20261126T020000Z_daily.dump.zst",
                "daily", Instant.parse("2026-11-26T02:00:00Z"), 12_345_678, "local", "database inventory_drill_x", rto, rpo, 60, 24,
                result.equals("PASS"), result, problems, List.of(new DrillRecord.Step("restore", rto)), "Ana | Ops", "vm");
    }

    @Test
    void createsTheTableThenAppendsOneRowPerDrill() throws Exception {
        Path log = home.resolve("docs/restore-test-log.md");
        EvidenceLog.append(log, record("PASS", "inventory", 42.5, 8 * 3600 + 100, List.of()));
        EvidenceLog.append(log, record("FAIL", "in|ventory", 4000, -1, List.of("no usable backup\namong 2")));
        List<String> lines = Files.readAllLines(log);
        assertThat(lines.get(0)).isEqualTo("# Restore test log");
        assertThat(lines).filteredOn(l -> l.startsWith("| Date")).hasSize(1);
        List<String> rows = lines.stream().filter(l -> l.startsWith("| 2026")).toList();
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).isEqualTo("| 2026-11-26 10:15 | configured | inventory | inventory_20261126T020000Z_daily.dump.zst (daily, local) "
                + "| 11.8 MB | 42.5 s (target 60 min) met | 8.0 h (target 24 h) met | **PASS** | Ana \\| Ops | - |");
        assertThat(rows.get(1)).contains("in\\|ventory", "66.7 min (target 60 min) MISSED", "none (target 24 h) MISSED", "**FAIL**",
                "no usable backup among 2");
        assertThat(rows.get(1).split("(?<!\\\\)\\|")).as("cells stay in their columns").hasSize(11);
        assertThat(home.resolve("docs")).isDirectoryNotContaining("glob:**.partial");
    }

    @Test
    void keepsWhatIsAlreadyInTheFile() throws Exception {
        Path log = home.resolve("log.md");
        Files.writeString(log, "# Our log\n\nnotes by hand\n| a | b |");
        EvidenceLog.append(log, record("PASS", "inventory", 1, 1, List.of()));
        assertThat(Files.readString(log)).startsWith("# Our log\n\nnotes by hand\n| a | b |\n| 2026-11-26 10:15 |");
    }
}
