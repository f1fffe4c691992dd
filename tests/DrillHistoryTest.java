package tests;

import lib.drill.DrillHistory;
import lib.drill.DrillRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** lib/drill/DrillHistory: drills.jsonl written and read back, cut lines and rotation included. */
class DrillHistoryTest {
    private final Path home = Fixtures.home();

    @AfterEach
    void cleanUp() {
        BackupScriptTest.deleteTree(home.getParent());
    }

    @Test
    void roundTripsRecordsAndSkipsACutLine() throws Exception {
        DrillHistory h = new DrillHistory(home.resolve("logs"));
        assertThat(h.last()).isEmpty();
        DrillRecord pass = EvidenceLogTest.record("PASS", "inventory", 10, 100, List.of());
        h.append(pass);
        Files.writeString(h.file(), "{\"startedAt\":\"2026-11-26T1", StandardOpenOption.APPEND);
        Files.writeString(h.file(), "\n", StandardOpenOption.APPEND);
        DrillRecord fail = EvidenceLogTest.record("FAIL", "crm \"x\"", 20, -1, List.of("why"));
        h.append(fail);
        assertThat(h.all()).containsExactly(pass, fail);
        assertThat(h.last()).contains(fail);
        assertThat(Files.readAllLines(h.file())).first().asString().startsWith("{\"startedAt\":\"2026-11-26T10:15:30Z\",\"mode\":\"configured\"");
    }

    @Test
    void readsTheRotatedFileToo() throws Exception {
        DrillHistory h = new DrillHistory(home.resolve("logs"));
        h.append(EvidenceLogTest.record("PASS", "old", 1, 1, List.of()));
        Files.move(h.file(), h.file().resolveSibling("drills.jsonl.1"));
        h.append(EvidenceLogTest.record("PASS", "new", 1, 1, List.of()));
        assertThat(h.all()).extracting(DrillRecord::db).containsExactly("old", "new");
    }
}
