package tests;

import lib.ArchiveWriter;
import lib.BackupStore;
import lib.Config;
import lib.ExitCode;
import lib.Log;
import lib.OpsException;
import lib.Proc;
import lib.SafeFiles;
import lib.volume.VolumeArchive;
import lib.volume.VolumeBackup;
import lib.volume.VolumeManifest;
import lib.volume.VolumeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.GpgKeys;
import tests.support.TestContainer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * backup.java --volumes underneath: a private container stands in for pgAdmin (its data folder seeded with
 * hostile names, an empty folder, a symbolic link and pgAdmin's uid 5050) and a config folder of this machine;
 * the archives are opened with the stock zstd, tar and gpg, damaged, and pruned over several runs.
 */
class VolumeBackupTest {
    /** Names that break naive quoting, in pgAdmin's data folder. */
    static final List<String> HOSTILE = List.of("it's a \"quoted\" name.txt", "spaces  and\ttab.db", "ünïcödé ✓.json", "$HOME `x`;&|.txt");
    private static TestContainer shared;
    private static TestContainer pgadmin;
    private Path home;

    /** One seeded stand-in for pgAdmin per test run, shared by the volume tests and removed at exit. */
    static synchronized TestContainer standIn() {
        Fixtures.requireDocker();
        if (shared == null) {
            shared = TestContainer.postgres();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
            seed(shared, Fixtures.home());
        }
        return shared;
    }

    @BeforeAll
    static void startStandIn() {
        pgadmin = standIn();
    }

    @BeforeEach
    void newHome() throws IOException {
        home = Fixtures.home();
        Files.createDirectories(home.resolve("config/keys"));
        Files.writeString(home.resolve("config/ops.env"), "PGPASSWORD=not-in-any-log\n");
        Files.writeString(home.resolve("config/keys/ünïcödé key.asc"), "key\n");
        Files.createDirectories(home.resolve("config/empty"));
        Files.createSymbolicLink(home.resolve("config/current.env"), Path.of("ops.env"));
    }

    @AfterEach
    void cleanUp() {
        SafeFiles.deleteTree(home.getParent());
    }

    /**
     * Fills {@code /var/lib/pgadmin} in {@code c} as pgAdmin would own it (uid 5050): files with hostile names
     * and an empty folder through docker exec, then a symbolic link and the ownership through docker cp of a tar
     * made by the host's tar (the test image has no ln or chown).
     */
    static void seed(TestContainer c, Path scratch) {
        dockerRoot(c, "mkdir", "-p", "/var/lib/pgadmin/sessions", "/var/lib/pgadmin/storage/empty folder");
        for (String name : HOSTILE) dockerRoot(c, "sh", "-c", "echo \"content of $1\" > \"/var/lib/pgadmin/storage/$1\"", "sh", name);
        dockerRoot(c, "sh", "-c", "echo sqlite > /var/lib/pgadmin/pgadmin4.db");
        try {
            Path seed = Files.createDirectories(scratch.resolve("seed/pgadmin/sessions"));
            Files.writeString(seed.resolve("session-1"), "s");
            Files.createSymbolicLink(seed.resolve("../storage link"), Path.of("storage"));
            Path tar = scratch.resolve("seed.tar");
            run(List.of("tar", "--owner=5050", "--group=5050", "-C", scratch.resolve("seed").toString(), "-cf", tar.toString(), "pgadmin"), null);
            // owns the exec-made files too: the stream of the whole folder back in with uid 5050
            Path whole = scratch.resolve("whole.tar");
            Files.write(whole, run(List.of("docker", "cp", c.name() + ":/var/lib/pgadmin", "-"), null));
            Path unpacked = Files.createDirectories(scratch.resolve("unpacked"));
            run(List.of("tar", "-C", unpacked.toString(), "-xf", whole.toString()), null);
            run(List.of("tar", "--owner=5050", "--group=5050", "-C", unpacked.toString(), "-cf", whole.toString(), "pgadmin"), null);
            try (InputStream in = Files.newInputStream(whole)) {
                run(List.of("docker", "cp", "-", c.name() + ":/var/lib"), in);
            }
            try (InputStream in = Files.newInputStream(tar)) {
                run(List.of("docker", "cp", "-", c.name() + ":/var/lib"), in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void dockerRoot(TestContainer c, String... command) {
        List<String> cmd = new ArrayList<>(List.of("docker", "exec", "-u", "root", c.name()));
        cmd.addAll(List.of(command));
        run(cmd, null);
    }

    /** Runs a program, fails the test when it fails, returns its stdout. */
    static byte[] run(List<String> cmd, InputStream in) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Proc.Result r = Proc.run(cmd, Map.of(), Duration.ofMinutes(2), in, out);
        if (!r.ok()) throw new AssertionError(String.join(" ", cmd) + " failed: " + r.stderr());
        return out.toByteArray();
    }

    /** The data folder as the stock tar lists it, owners numeric: "mode uid/gid size name [-> link]" (no times). */
    static List<String> containerListing(TestContainer c) {
        return tarListing(run(List.of("docker", "cp", c.name() + ":/var/lib/pgadmin", "-"), null));
    }

    static List<String> tarListing(byte[] tar) {
        String out = new String(run(List.of("tar", "--numeric-owner", "--quoting-style=literal", "-tvf", "-"),
                new java.io.ByteArrayInputStream(tar)), java.nio.charset.StandardCharsets.UTF_8);
        // drop the date and time columns: docker cp gives every extracted folder a new mtime on some engines
        return out.lines().map(l -> l.replaceFirst("^(\\S+\\s+\\S+\\s+\\d+)\\s+\\S+\\s+\\S+\\s+", "$1 ")).sorted().toList();
    }

    /** The stored archive as the stock tools open it: (gpg -d, when encrypted) then zstd -dc. */
    static byte[] stockTar(Path archive, GpgKeys.Key key) throws IOException {
        Path compressed = archive;
        if (key != null) {
            compressed = Files.createTempDirectory("gpg-opened").resolve(archive.getFileName() + ".tar.zst");
            key.gpgDecrypt(archive, compressed);
        }
        return run(List.of("zstd", "-d", "-c", compressed.toString()), null);
    }

    private Config cfg(String... kv) {
        List<String> all = new ArrayList<>(List.of("PGADMIN_CONTAINER", pgadmin.name()));
        all.addAll(List.of(kv));
        return pgadmin.config(home, all.toArray(String[]::new));
    }

    private VolumeBackup backup(Config cfg) { return new VolumeBackup(cfg, Fixtures.log(cfg)); }

    @Test
    void pgAdminDataIsArchivedWhetherTheContainerRunsOrNotAndTheStockToolsOpenIt() throws Exception {
        List<String> expected = containerListing(pgadmin);
        assertThat(String.join("\n", expected)).contains("5050/5050", "storage link -> storage", "empty folder/", "it's a \"quoted\" name.txt",
                "ünïcödé ✓.json");
        VolumeBackup.Result r = backup(cfg()).run("pgadmin", "daily", false);

        VolumeManifest m = r.manifest();
        assertThat(r.archive().getFileName().toString()).matches("pgadmin-data_\\d{8}T\\d{6}Z_daily\\.tar\\.zst");
        assertThat(r.archive().resolveSibling(r.archive().getFileName().toString().replace(".tar.zst", ".volume.json"))).exists();
        assertThat(m.volume()).isEqualTo("pgadmin");
        assertThat(m.container()).isEqualTo(pgadmin.name());
        assertThat(m.path()).isEqualTo("/var/lib/pgadmin");
        assertThat(m.entries()).isEqualTo(expected.size());
        assertThat(m.sha256()).isEqualTo(ArchiveWriter.sha256(r.archive()));
        assertThat(m.storedBytes()).isEqualTo(Files.size(r.archive()));
        assertThat(m.verify().status()).isEqualTo("passed");
        assertThat(m.verify().level()).isEqualTo(VolumeArchive.FULL);
        assertThat(m.encryptedFor()).isNull();
        assertThat(Files.getPosixFilePermissions(r.archive())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(tarListing(stockTar(r.archive(), null))).isEqualTo(expected);
        assertThat(r.warning()).isNull();

        pgadmin.stop();
        try {
            VolumeBackup.Result stopped = backup(cfg()).run("pgadmin", "daily", false);
            assertThat(stopped.manifest().entries()).isEqualTo(m.entries());
            assertThat(stopped.manifest().contentBytes()).isEqualTo(m.contentBytes());
        } finally {
            pgadmin.start();
        }
        assertThat(VolumeSet.list(new BackupStore(home.resolve("backups")), "pgadmin-data")).hasSize(2).allMatch(VolumeSet::verified);
        assertThat(new BackupStore(home.resolve("backups")).list(null)).as("never taken for a database dump").isEmpty();
    }

    @Test
    void configIsATarInJavaWithLinksAndEmptyFoldersPlainOnlyWithAWarning() throws Exception {
        Files.createDirectories(home.resolve("config/backups inside"));
        Config cfg = cfg("BACKUP_DIR", home.resolve("config/backups inside").toString());
        VolumeBackup.Result r = backup(cfg).run("config", "manual", false);

        assertThat(r.warning()).contains("unencrypted", "ENCRYPT_TO");
        assertThat(Files.readString(cfg.path("LOG_DIR").resolve("test.log"))).contains("WARN", "config/ holds passwords").doesNotContain("not-in-any-log");
        assertThat(Files.getPosixFilePermissions(r.archive())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        List<String> listing = tarListing(stockTar(r.archive(), null));
        assertThat(String.join("\n", listing)).contains("config/ops.env", "config/keys/ünïcödé key.asc", "config/empty/",
                "config/current.env -> ops.env").doesNotContain("backups inside");
        assertThat(r.manifest().entries()).isEqualTo(listing.size()).isEqualTo(6);
        assertThat(r.manifest().contentBytes()).isEqualTo(Files.size(home.resolve("config/ops.env")) + 4);
        assertThat(r.manifest().container()).isNull();
    }

    @Test
    void withEncryptToBothVolumesAreEncryptedWhateverEncryptSaysAndGpgOpensThem() throws Exception {
        GpgKeys.Key key = GpgKeys.sharedRsa();
        Path pass = Files.writeString(home.resolve("pass"), key.passphrase());
        List<String> expected = containerListing(pgadmin);
        for (String mode : List.of("", "offsite", "all")) {
            Config cfg = cfg("ENCRYPT", mode, "ENCRYPT_TO", key.publicArmored().toString(), "DECRYPT_KEY", key.secret().toString(),
                    "DECRYPT_PASSPHRASE_FILE", pass.toString());
            for (String volume : List.of("config", "pgadmin")) {
                VolumeBackup.Result r = backup(cfg).run(volume, "manual", false);
                assertThat(r.archive().toString()).as(mode + " " + volume).endsWith(".tar.zst.gpg");
                assertThat(r.manifest().encryptedFor()).containsExactly(key.fingerprint());
                assertThat(r.manifest().verify().level()).isEqualTo(VolumeArchive.FULL);
                assertThat(r.manifest().verify().passed()).isTrue();
                assertThat(r.warning()).isNull();
                byte[] tar = stockTar(r.archive(), key);
                if (volume.equals("pgadmin")) assertThat(tarListing(tar)).isEqualTo(expected);
                else assertThat(new String(run(List.of("tar", "-xOf", "-", "config/ops.env"), new java.io.ByteArrayInputStream(tar))))
                        .isEqualTo("PGPASSWORD=not-in-any-log\n");
            }
        }
        // without the secret key only the checksum can be checked, and the manifest says so
        VolumeBackup.Result r = backup(cfg("ENCRYPT_TO", key.publicArmored().toString())).run("config", "manual", false);
        assertThat(r.manifest().verify().level()).isEqualTo(VolumeArchive.CHECKSUM);
        assertThat(r.manifest().verify().detail()).contains("not decrypted", "DECRYPT_KEY");
        assertThat(r.manifest().verified()).isTrue();
    }

    @Test
    void retentionKeepsTheNewestOfTheTierPerVolumeAndNeverRunsAfterAFailedVerification() throws Exception {
        VolumeBackup b = backup(cfg("KEEP_DAILY", "2"));
        VolumeBackup.Result manual = b.run("config", "manual", false);
        List<Path> taken = new ArrayList<>();
        for (int i = 0; i < 4; i++) taken.add(b.run("config", "daily", false).archive());
        b.run("pgadmin", "daily", false);
        BackupStore store = new BackupStore(home.resolve("backups"));
        assertThat(VolumeSet.list(store, "config")).extracting(VolumeSet::archive)
                .containsExactly(taken.get(3), taken.get(2), manual.archive());
        assertThat(VolumeSet.list(store, "pgadmin-data")).hasSize(1);
        assertThat(names(home.resolve("backups/daily"))).as("whole sets are deleted").filteredOn(n -> n.startsWith("config_")).hasSize(4);

        List<String> before = names(home.resolve("backups/daily"));
        VolumeBackup.Result dry = backup(cfg("KEEP_DAILY", "1")).run("config", "daily", true);
        assertThat(dry.archive().getFileName().toString()).matches("config_\\d{8}T\\d{6}Z_daily\\.tar\\.zst");
        assertThat(names(home.resolve("backups/daily"))).as("a dry run changes nothing").isEqualTo(before);
        assertThat(dry.wouldPrune()).containsExactlyInAnyOrder(taken.get(2), BackupStore.volumeManifest(taken.get(2)));
        assertThat(VolumeSet.list(store, "config")).hasSize(3);

        // a wrong passphrase makes reading the new archive back fail: it is kept, marked failed, and nothing is pruned
        GpgKeys.Key key = GpgKeys.sharedRsa();
        Config wrongKey = cfg("KEEP_DAILY", "1", "ENCRYPT_TO", key.publicArmored().toString(), "DECRYPT_KEY", key.secret().toString(),
                "DECRYPT_PASSPHRASE", "not the passphrase");
        assertThatThrownBy(() -> backup(wrongKey).run("config", "daily", false)).isInstanceOf(OpsException.class)
                .hasMessageContaining("failed verification").hasMessageContaining("retention skipped")
                .extracting(e -> ((OpsException) e).exitCode()).isEqualTo(ExitCode.VERIFY_FAILED);
        List<VolumeSet> after = VolumeSet.list(store, "config");
        assertThat(after).hasSize(4);
        assertThat(after.get(0).state()).startsWith("failed (full)").endsWith("encrypted");
        assertThat(after.get(0).verified()).isFalse();
    }

    @Test
    void aDamagedArchiveIsDetectedByItsChecksumAndByReadingItBack() throws Exception {
        Config cfg = cfg();
        VolumeBackup.Result r = backup(cfg).run("pgadmin", "manual", false);
        VolumeArchive archive = new VolumeArchive(r.archive(), lib.crypt.Encryption.from(cfg));
        Log log = Fixtures.log(cfg);
        assertThat(archive.verify(r.manifest(), log).passed()).isTrue();

        VolumeManifest fewer = claiming(r.manifest(), r.manifest().sha256(), r.manifest().entries() - 1);
        assertThatThrownBy(() -> archive.check(fewer)).isInstanceOf(OpsException.class)
                .hasMessageContaining("reads back as " + r.manifest().entries() + " entries");

        try (FileChannel ch = FileChannel.open(r.archive(), StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, ch.size() / 2);
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (b.get(0) ^ 0x5a)}), ch.size() / 2);
        }
        var failed = archive.verify(r.manifest(), log);
        assertThat(failed.passed()).isFalse();
        assertThat(failed.detail()).contains("checksum mismatch");

        // damage done before hashing passes the checksum: reading the archive back finds it
        VolumeManifest sameHash = claiming(r.manifest(), ArchiveWriter.sha256(r.archive()), r.manifest().entries());
        assertThatThrownBy(() -> archive.check(sameHash)).isInstanceOf(OpsException.class)
                .hasMessageContaining("cannot read " + r.archive().getFileName() + " back")
                .extracting(e -> ((OpsException) e).exitCode()).isEqualTo(ExitCode.VERIFY_FAILED);
    }

    /** {@code m} as if it had recorded this sha256 and entry count. */
    private static VolumeManifest claiming(VolumeManifest m, String sha256, long entries) {
        return new VolumeManifest(m.formatVersion(), m.volume(), m.type(), m.archiveFile(), m.compression(), m.container(), m.path(),
                m.startedAt(), m.finishedAt(), m.durationSeconds(), entries, m.contentBytes(), m.rawBytes(), m.storedBytes(), sha256,
                m.encryptedFor(), m.verify());
    }

    @Test
    void aMissingContainerOrDataFolderFailsInOneLineAndLeavesNothingBehind() throws IOException {
        Config cfg = cfg("PGADMIN_CONTAINER", "ra-test-no-such-pgadmin");
        assertThatThrownBy(() -> backup(cfg).run("pgadmin", "daily", false)).isInstanceOf(OpsException.class)
                .satisfies(e -> {
                    OpsException o = (OpsException) e;
                    assertThat(o.exitCode()).isEqualTo(ExitCode.UNAVAILABLE);
                    assertThat(o.oneLine()).doesNotContain("\n").contains("ra-test-no-such-pgadmin does not exist", "PGADMIN_CONTAINER");
                });
        assertThat(home.resolve("backups")).doesNotExist();

        Config noDir = cfg("PGADMIN_DATA_DIR", "/var/lib/no-such-dir");
        assertThatThrownBy(() -> backup(noDir).run("pgadmin", "daily", false)).isInstanceOf(OpsException.class)
                .hasMessageContaining("/var/lib/no-such-dir does not exist in container " + pgadmin.name())
                .extracting(e -> ((OpsException) e).hint()).asString().contains("PGADMIN_DATA_DIR");
        assertThat(names(home.resolve("backups/daily"))).as("no temp file left").isEmpty();
    }

    static List<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
