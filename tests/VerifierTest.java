package tests;

import lib.*;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VerifierTest {
    private final Config cfg = Fixtures.config(Fixtures.trustCluster(), Fixtures.home());
    private final Pg pg = new Pg(new PgTarget(cfg));

    private Backup.Result backup(String db) {
        Fixtures.createDb(pg, db, 3000);
        return new Backup(cfg, Fixtures.log(cfg)).run(db, new Backup.Options("manual", "none", false, false));
    }

    private String scratchCount(String db) {
        return pg.psql().value("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE " + Psql.literal(db + "_verify_%"));
    }

    @Test
    void fullVerificationRestoresComparesAndDropsTheScratchDatabase() {
        Backup.Result r = backup("vf_ok");
        Manifest.VerifyResult v = new Verifier(pg, Fixtures.log(cfg)).verify("full", new Archive(r.dump(), pg.target()), r.manifest());
        assertThat(v.status()).isEqualTo("passed");
        assertThat(v.detail()).contains("sha256 ok").contains("test restore matched 2 tables, 3002 rows");
        assertThat(scratchCount("vf_ok")).isEqualTo("0");
    }

    @Test
    void wrongCountsInTheManifestFailAndTheScratchDatabaseIsStillDropped() {
        Backup.Result r = backup("vf_counts");
        Manifest m = r.manifest();
        Manifest lying = new Manifest(m.formatVersion(), m.database(), m.type(), m.dumpFile(), m.globalsFile(), m.compression(), m.mode(),
                m.source(), m.serverVersion(), m.pgDumpVersion(), m.startedAt(), m.finishedAt(), m.durationSeconds(), m.rawBytes(),
                m.storedBytes(), m.sha256(), m.globalsSha256(), false,
                List.of(new Manifest.TableCount("public", "products", 2999), new Manifest.TableCount("public", "odd \"name\" ü", 2)), null);
        Manifest.VerifyResult v = new Verifier(pg, Fixtures.log(cfg)).verify("full", new Archive(r.dump(), pg.target()), lying);
        assertThat(v.status()).isEqualTo("failed");
        assertThat(v.detail()).contains("public.products has 3000 rows, expected 2999");
        assertThat(scratchCount("vf_counts")).isEqualTo("0");
    }

    @Test
    void truncatedAndBitFlippedFilesFailQuickAndFullVerification() throws Exception {
        Backup.Result r = backup("vf_bad");
        byte[] bytes = Files.readAllBytes(r.dump());
        Path dir = Files.createTempDirectory("ra-vf");
        Path cut = dir.resolve("cut.dump.zst");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Path flip = dir.resolve("flip.dump.zst");
        bytes[bytes.length / 3] ^= 0x40;
        Files.write(flip, bytes);
        Verifier verifier = new Verifier(pg, Fixtures.log(cfg));
        for (Path bad : List.of(cut, flip)) {
            for (String level : List.of("quick", "full")) {
                Manifest.VerifyResult v = verifier.verify(level, new Archive(bad, pg.target()), r.manifest());
                assertThat(v.status()).as(bad + " " + level).isEqualTo("failed");
                assertThat(v.detail()).contains("checksum mismatch");
            }
        }
        assertThat(scratchCount("vf_bad")).isEqualTo("0");
    }

    @Test
    void noneSkips() {
        Backup.Result r = backup("vf_none");
        assertThat(new Verifier(pg, Fixtures.log(cfg)).verify("none", new Archive(r.dump(), pg.target()), r.manifest()).status())
                .isEqualTo("skipped");
    }

    @Test
    void countComparisonNamesMissingExtraAndDifferentTables() {
        var expected = List.of(new Manifest.TableCount("public", "a", 1), new Manifest.TableCount("public", "b", 2));
        var actual = List.of(new Manifest.TableCount("public", "a", 5), new Manifest.TableCount("public", "c", 0));
        assertThatThrownBy(() -> Verifier.requireSameCounts(expected, actual, "x"))
                .hasMessageContaining("public.a has 5 rows, expected 1").hasMessageContaining("public.b missing")
                .hasMessageContaining("public.c unexpected");
        Verifier.requireSameCounts(expected, expected, "x");
    }
}
