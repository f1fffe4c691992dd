package tests;

import lib.Log;
import lib.Metrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MetricsTest {
    @TempDir Path home;

    @Test
    void lastReturnsTheNewestRecord() throws Exception {
        Metrics metrics = metrics();
        metrics.append(record(1), log());
        metrics.append(record(2), log());

        assertThat(metrics.last().get("run").asInt()).isEqualTo(2);
        assertThat(metrics.last().at("/checks/query/ms").asInt()).isEqualTo(12);
        assertThat(Files.readAllLines(metrics.file())).as("one compact line per record").hasSize(2)
                .allSatisfy(l -> assertThat(l).startsWith("{\"").endsWith("}"));
    }

    @Test
    void noFileMeansAMissingNode() {
        assertThat(metrics().last().isMissingNode()).isTrue();
    }

    @Test
    void aHalfWrittenLastLineIsSkippedForThePreviousOne() throws Exception {
        Metrics metrics = metrics();
        metrics.append(record(1), log());
        Files.writeString(metrics.file(), "{\"run\":2,\"checks\":{\"query\":{\"st", StandardOpenOption.APPEND);

        assertThat(metrics.last().get("run").asInt()).isEqualTo(1);
    }

    @Test
    void aRecordAppendedAfterACutLineStartsOnALineOfItsOwn() throws Exception {
        Metrics metrics = metrics();
        metrics.append(record(1), log());
        Files.writeString(metrics.file(), "{\"run\":2,\"checks\":{\"query\":{\"st", StandardOpenOption.APPEND);

        metrics.append(record(3), log());

        assertThat(metrics.last().path("run").asInt()).isEqualTo(3);
        assertThat(Files.readAllLines(metrics.file())).hasSize(3).last().asString().startsWith("{\"").endsWith("}");
    }

    @Test
    void aLineCutJustAfterANestedObjectIsSkippedToo() throws Exception {
        Metrics metrics = metrics();
        metrics.append(record(1), log());
        Files.writeString(metrics.file(), "{\"run\":2,\"checks\":{\"query\":{\"ms\":12}}", StandardOpenOption.APPEND);

        assertThat(metrics.last().path("run").asInt()).isEqualTo(1);
    }

    @Test
    void afterARotationTheNewestRecordIsReadFromTheRotatedFile() throws Exception {
        Metrics metrics = metrics();
        metrics.append(record(1), log());
        metrics.append(record(2), log());
        Files.move(metrics.file(), metrics.file().resolveSibling("metrics.jsonl.1"));

        assertThat(metrics.last().get("run").asInt()).isEqualTo(2);
        metrics.append(record(3), log());
        assertThat(metrics.last().get("run").asInt()).isEqualTo(3);
    }

    @Test
    void anUnwritableMetricsFileWarnsAndCarriesOn() throws Exception {
        Path regularFile = home.resolve("not-a-dir");
        Files.writeString(regularFile, "x");

        new Metrics(regularFile.resolve("logs")).append(record(1), log());

        assertThat(Files.readString(home.resolve("health-check.log"))).contains(" WARN ").contains("cannot write");
    }

    private Metrics metrics() { return new Metrics(home.resolve("logs")); }

    private Log log() { return new Log(home, "health-check"); }

    private static Map<String, Object> record(int run) {
        return Map.of("run", run, "checks", Map.of("query", Map.of("status", "ok", "ms", 12)));
    }
}
