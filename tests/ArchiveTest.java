package tests;

import lib.*;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArchiveTest {
    static Config cfg;
    static Pg pg;
    static Manifest good;
    static Path goodFile;

    @BeforeAll
    static void takeOneBackup() {
        cfg = Fixtures.config(Fixtures.trustCluster(), Fixtures.home());
        pg = new Pg(new PgTarget(cfg));
        Fixtures.createDb(pg, "ar_src", 20_000);
        Backup.Result r = new Backup(cfg, Fixtures.log(cfg)).run("ar_src", new Backup.Options("manual", "none", false, false));
        good = r.manifest();
        goodFile = r.dump();
    }

    private static Path damaged(String name, byte[] bytes) throws Exception {
        Path f = Files.createTempDirectory("ra-damaged").resolve(name);
        Files.write(f, bytes);
        return f;
    }

    private static int code(Throwable e) { return ((OpsException) e).exitCode(); }

    @Test
    void goodArchivePassesChecksumListingAndRestores() {
        Archive a = new Archive(goodFile, new PgTarget(cfg));
        a.checkSum(good.sha256());
        assertThat(a.listing()).anyMatch(l -> l.contains("TABLE DATA public products"));
        pg.dropDatabase("ar_copy");
        pg.createDatabase("ar_copy");
        a.restoreInto("ar_copy", false, ExitCode.RESTORE_FAILED);
        assertThat(pg.rowCounts("ar_copy")).isEqualTo(good.tables());
    }

    @Test
    void bitFlipFailsTheChecksum() throws Exception {
        byte[] b = Files.readAllBytes(goodFile);
        b[b.length / 2] ^= 0x01;
        Archive a = new Archive(damaged("flip.dump.zst", b), new PgTarget(cfg));
        assertThatThrownBy(() -> a.checkSum(good.sha256())).hasMessageContaining("checksum mismatch")
                .satisfies(e -> assertThat(code(e)).isEqualTo(ExitCode.VERIFY_FAILED));
    }

    @Test
    void truncatedFileFailsTheRestoreWithTheCause() throws Exception {
        byte[] b = Files.readAllBytes(goodFile);
        Archive a = new Archive(damaged("cut.dump.zst", Arrays.copyOf(b, b.length * 2 / 3)), new PgTarget(cfg));
        pg.dropDatabase("ar_cut");
        pg.createDatabase("ar_cut");
        assertThatThrownBy(() -> a.restoreInto("ar_cut", true, ExitCode.RESTORE_FAILED)).isInstanceOf(OpsException.class)
                .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("cannot decompress", "restore of"));
        pg.dropDatabase("ar_cut");
    }

    @Test
    void garbageIsNotAnArchive() throws Exception {
        Archive a = new Archive(damaged("junk.dump.zst", "not a dump at all".getBytes()), new PgTarget(cfg));
        assertThatThrownBy(a::listing).isInstanceOf(OpsException.class)
                .satisfies(e -> assertThat(code(e)).isEqualTo(ExitCode.VERIFY_FAILED));
    }

    @Test
    void missingFileIsNamed() {
        Archive a = new Archive(goodFile.resolveSibling("gone.dump.zst"), new PgTarget(cfg));
        assertThatThrownBy(() -> a.checkSum(good.sha256())).hasMessageContaining("backup file not found");
    }

    @Test
    void anEmptyDatabaseGivesAValidArchiveWithNoEntries() {
        pg.dropDatabase("ar_empty");
        pg.psql().exec("postgres", "CREATE DATABASE ar_empty");
        Backup.Result r = new Backup(cfg, Fixtures.log(cfg)).run("ar_empty", new Backup.Options("manual", "none", false, false));
        Archive a = new Archive(r.dump(), new PgTarget(cfg));
        a.checkSum(r.manifest().sha256());
        assertThat(a.listing()).isEmpty();
    }
}
