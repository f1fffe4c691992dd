package tests;

import lib.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class LogTest {
    @TempDir Path dir;

    @Test
    void oneLinePerEventWithUtcTimestampLevelAndPid() throws Exception {
        Log log = new Log(dir.resolve("logs"), "backup");
        log.info("first\nsecond line");
        log.error("boom");
        var lines = Files.readAllLines(dir.resolve("logs/backup.log"));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z INFO \\[\\d+] first second line");
        assertThat(lines.get(1)).contains(" ERROR ").endsWith("boom");
    }

    @Test
    void secretsAreMasked() throws Exception {
        Log log = new Log(dir, "t").mask("hunter2").mask("").mask(null);
        log.warn("connecting with hunter2 to db");
        assertThat(Files.readString(dir.resolve("t.log"))).doesNotContain("hunter2").contains("********");
    }

    @Test
    void rotatesAtFiveMegabytesKeepingFive() throws Exception {
        Log log = new Log(dir, "r");
        String big = "x".repeat(100_000);
        for (int i = 0; i < 7 * 55; i++) log.info(big);
        assertThat(dir.resolve("r.log")).exists();
        assertThat(dir.resolve("r.log.1")).exists();
        assertThat(dir.resolve("r.log.5")).exists();
        assertThat(dir.resolve("r.log.6")).doesNotExist();
        assertThat(Files.size(dir.resolve("r.log.1"))).isLessThanOrEqualTo(5L * 1024 * 1024 + 200_000);
    }

    @Test
    void unwritableLogNeverStopsTheJob() throws Exception {
        Path file = dir.resolve("not-a-dir");
        Files.writeString(file, "x");
        new Log(file, "x").info("still fine");
    }
}
