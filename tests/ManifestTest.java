package tests;

import lib.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestTest {
    @TempDir Path dir;

    @Test
    void roundTripsAsReadableJsonWithoutSecrets() throws Exception {
        Manifest m = new Manifest(1, "inventory", "daily", "a.dump.zst", "a.globals.sql.zst", "zstd:3", "docker", "container inventory-db",
                "15.18", "pg_dump 15.18", Instant.parse("2026-11-20T02:00:00Z"), Instant.parse("2026-11-20T02:00:09Z"), 9.0, 100, 40,
                "ab12", "cd34", false, List.of(new Manifest.TableCount("public", "products", 5)),
                new Manifest.VerifyResult("full", "passed", Instant.parse("2026-11-20T02:00:20Z"), 11, "ok"));
        Path f = dir.resolve("a.manifest.json");
        Files.write(f, m.toJson());
        String text = Files.readString(f);
        assertThat(text).contains("\"startedAt\" : \"2026-11-20T02:00:00Z\"").contains("\"rows\" : 5").doesNotContainIgnoringCase("password\" :");
        Manifest back = Manifest.read(f);
        assertThat(back).isEqualTo(m);
        assertThat(back.verified()).isTrue();
        assertThat(back.totalRows()).isEqualTo(5);
    }

    @Test
    void damagedManifestIsAClearError() throws Exception {
        Path f = dir.resolve("b.manifest.json");
        Files.writeString(f, "{\"formatVersion\": 1, \"database\": ");
        assertThatThrownBy(() -> Manifest.read(f)).hasMessageContaining("cannot read manifest");
    }
}
