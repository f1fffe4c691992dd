package tests;

import lib.ArchiveWriter;
import lib.BackupStore;
import lib.Codec;
import lib.Config;
import lib.ExitCode;
import lib.OpsException;
import lib.SafeFiles;
import lib.volume.VolumeBackup;
import lib.volume.VolumeManifest;
import lib.volume.VolumeRestore;
import lib.volume.VolumeSet;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.GpgKeys;
import tests.support.TestContainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tests.VolumeBackupTest.containerListing;
import static tests.VolumeBackupTest.dockerRoot;
import static tests.VolumeBackupTest.names;

/**
 * restore.java --volume underneath: pgAdmin's data back into a real container (stopped meanwhile, a
 * safety archive first, the listing compared with the stock tar's), config/ into a new folder only, and
 * archives that must not be restored: hostile entry names, a missing key, the wrong volume.
 */
class VolumeRestoreTest {
    private static TestContainer pgadmin;
    private Path home;

    @BeforeAll
    static void startStandIn() {
        pgadmin = VolumeBackupTest.standIn();
    }

    @BeforeEach
    void newHome() throws IOException {
        home = Fixtures.home();
        Files.createDirectories(home.resolve("config/empty"));
        Files.writeString(home.resolve("config/ops.env"), "KEEP_DAILY=7\n");
        Files.writeString(home.resolve("config/ünïcödé \"name\".env"), "x\n");
        Files.createSymbolicLink(home.resolve("config/current.env"), Path.of("ops.env"));
    }

    @AfterEach
    void cleanUp() {
        SafeFiles.deleteTree(home.getParent());
    }

    private Config cfg(String... kv) {
        List<String> all = new java.util.ArrayList<>(List.of("PGADMIN_CONTAINER", pgadmin.name()));
        all.addAll(List.of(kv));
        return pgadmin.config(home, all.toArray(String[]::new));
    }

    private VolumeRestore restore(Config cfg) { return new VolumeRestore(cfg, Fixtures.log(cfg)); }

    @Test
    void pgAdminDataGoesBackIntoTheContainerAsArchivedAfterASafetyArchive() throws Exception {
        Config cfg = cfg();
        List<String> archived = containerListing(pgadmin);
        VolumeBackup.Result taken = new VolumeBackup(cfg, Fixtures.log(cfg)).run("pgadmin", "manual", false);
        dockerRoot(pgadmin, "rm", "/var/lib/pgadmin/storage/" + VolumeBackupTest.HOSTILE.get(0));
        dockerRoot(pgadmin, "sh", "-c", "echo changed after the backup > /var/lib/pgadmin/pgadmin4.db; echo new > /var/lib/pgadmin/new-after-backup.txt");
        assertThat(containerListing(pgadmin)).isNotEqualTo(archived);

        VolumeRestore r = restore(cfg);
        VolumeSet set = r.choose("pgadmin", null, null, null);
        assertThat(set.archive()).isEqualTo(taken.archive());
        VolumeRestore.Plan plan = r.plan(set, true);
        assertThat(plan.running()).isTrue();
        assertThat(plan.target()).isEqualTo("container " + pgadmin.name() + ":/var/lib/pgadmin");
        VolumeRestore.Result done = r.execute(plan);

        assertThat(pgadmin.inspect().running()).as("started again").isTrue();
        assertThat(containerListing(pgadmin)).filteredOn(l -> !l.contains("new-after-backup.txt")).isEqualTo(archived);
        assertThat(done.leftInPlace()).containsExactly("pgadmin/new-after-backup.txt");
        assertThat(pgadmin.exec("cat", "/var/lib/pgadmin/pgadmin4.db").stdout()).isEqualTo("sqlite\n");
        assertThat(done.safetyArchive()).exists().hasParent(home.resolve("backups/safety"));
        assertThat(String.join("\n", VolumeBackupTest.tarListing(VolumeBackupTest.stockTar(done.safetyArchive(), null))))
                .contains("new-after-backup.txt");
        assertThat(r.choose("pgadmin", null, null, null).archive()).as("--latest never picks a safety archive").isEqualTo(taken.archive());

        // a stopped container is restored and stays stopped; without a safety archive when told so
        dockerRoot(pgadmin, "rm", "/var/lib/pgadmin/pgadmin4.db");
        pgadmin.stop();
        try {
            VolumeRestore.Plan stopped = r.plan(set, false);
            assertThat(stopped.running()).isFalse();
            assertThat(r.execute(stopped).safetyArchive()).isNull();
            assertThat(pgadmin.inspect().running()).isFalse();
        } finally {
            pgadmin.start();
        }
        assertThat(pgadmin.exec("cat", "/var/lib/pgadmin/pgadmin4.db").stdout()).isEqualTo("sqlite\n");

        // by hand, as docs/backup-format.md says: zstd -dc F | docker cp - CONTAINER:/var/lib
        dockerRoot(pgadmin, "rm", "-r", "/var/lib/pgadmin/sessions");
        VolumeBackupTest.run(List.of("docker", "cp", "-", pgadmin.name() + ":/var/lib"),
                new java.io.ByteArrayInputStream(VolumeBackupTest.stockTar(taken.archive(), null)));
        assertThat(containerListing(pgadmin)).filteredOn(l -> !l.contains("new-after-backup.txt")).isEqualTo(archived);
    }

    @Test
    void configIsUnpackedIntoANewOwnerOnlyFolderAndConfigIsNotTouched() throws Exception {
        GpgKeys.Key key = GpgKeys.sharedRsa();
        Config cfg = cfg("ENCRYPT_TO", key.publicArmored().toString(), "DECRYPT_KEY", key.secret().toString(),
                "DECRYPT_PASSPHRASE", key.passphrase());
        VolumeBackup.Result taken = new VolumeBackup(cfg, Fixtures.log(cfg)).run("config", "weekly", false);
        assertThat(taken.manifest().encrypted()).isTrue();
        Files.writeString(home.resolve("config/ops.env"), "KEEP_DAILY=1\n");

        VolumeRestore r = restore(cfg);
        VolumeRestore.Plan plan = r.plan(r.choose("config", null, "weekly", null), true);
        assertThat(plan.safetyBackup()).as("nothing is replaced").isFalse();
        VolumeRestore.Result done = r.execute(plan);

        Path into = Path.of(plan.target());
        assertThat(into.getParent()).isEqualTo(home);
        assertThat(into.getFileName().toString()).matches("config\\.restored-\\d{8}T\\d{6}Z");
        assertThat(Files.getPosixFilePermissions(into)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.readString(into.resolve("ops.env"))).isEqualTo("KEEP_DAILY=7\n");
        assertThat(Files.readString(into.resolve("ünïcödé \"name\".env"))).isEqualTo("x\n");
        assertThat(Files.readSymbolicLink(into.resolve("current.env"))).isEqualTo(Path.of("ops.env"));
        assertThat(into.resolve("empty")).isEmptyDirectory();
        assertThat(Files.readString(home.resolve("config/ops.env"))).isEqualTo("KEEP_DAILY=1\n");
        assertThat(done.skippedLinks()).isEmpty();
        assertThat(names(home)).noneMatch(n -> n.endsWith(SafeFiles.PARTIAL));

        Config noKey = cfg("ENCRYPT_TO", key.publicArmored().toString());
        assertThatThrownBy(() -> restore(noKey).plan(restore(noKey).choose("config", null, null, null), true))
                .isInstanceOf(OpsException.class).hasMessageContaining("DECRYPT_KEY is not set");
    }

    /**
     * A config archive of {@code entries} in the order given (name to content; content "-> T" makes a symbolic
     * link to T, a name ending in '/' a folder) with a manifest that passes every check, as a hostile or damaged writer could leave it.
     */
    private Path crafted(Map<String, String> entries) throws IOException {
        Path dir = Files.createDirectories(home.resolve("backups/manual"));
        Instant at = Instant.parse("2026-11-20T02:00:00Z");
        Path archive = dir.resolve(BackupStore.volumeBase("config", "manual", at) + ".tar.zst");
        ArchiveWriter w = new ArchiveWriter(archive, Codec.parse("zstd"));
        long bytes = 0;
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(w, StandardCharsets.UTF_8.name())) {
            for (Map.Entry<String, String> en : entries.entrySet()) {
                boolean link = en.getValue().startsWith("-> ");
                TarArchiveEntry e = link ? new TarArchiveEntry(en.getKey(), TarConstants.LF_SYMLINK) : new TarArchiveEntry(en.getKey());
                byte[] data = link ? new byte[0] : en.getValue().getBytes(StandardCharsets.UTF_8);
                if (link) e.setLinkName(en.getValue().substring(3));
                e.setSize(data.length);
                tar.putArchiveEntry(e);
                tar.write(data);
                tar.closeArchiveEntry();
                bytes += data.length;
            }
        }
        VolumeManifest m = new VolumeManifest(1, "config", "manual", archive.getFileName().toString(), "zstd:3", null,
                home.resolve("config").toString(), at, at, 0, entries.size(), bytes, w.rawBytes(), w.storedBytes(), w.sha256(), null,
                new lib.Manifest.VerifyResult("full", "passed", at, 0, null));
        Files.write(BackupStore.volumeManifest(archive), m.toJson());
        return archive;
    }

    @Test
    void noLinkLeadingOutOfTheNewFolderIsMadeNorFollowed() throws Exception {
        Path victim = Files.createDirectories(home.getParent().resolve("victim"));
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("config/ops.env", "KEEP_DAILY=7\n");
        entries.put("config/a", "-> " + victim);
        entries.put("config/a/planted", "-> ops.env");
        entries.put("config/f", "-> " + victim);
        entries.put("config/f/planted.txt", "file through a link\n");
        entries.put("config/up", "-> ../../victim");
        entries.put("config/here", "-> .");
        entries.put("config/via", "-> here/../victim");
        entries.put("config/sub/", "");
        entries.put("config/sub/ok", "-> ../ops.env");
        entries.put("config/same", "-> here");
        Path archive = crafted(entries);

        VolumeRestore r = restore(cfg());
        VolumeRestore.Result done = r.execute(r.plan(r.choose("config", archive, null, null), false));
        Path into = Path.of(done.plan().target());
        assertThat(victim).isEmptyDirectory();
        assertThat(done.skippedLinks()).containsExactly(
                "config/a -> " + victim + " (its target is absolute)",
                "config/a/planted -> ops.env (it lies under another link)",
                "config/f -> " + victim + " (its target is absolute)",
                "config/up -> ../../victim (it leads out of the restored folder)",
                "config/via -> here/../victim (it leads through another link)");
        assertThat(Files.readString(into.resolve("f/planted.txt"))).as("a real folder, not the link").isEqualTo("file through a link\n");
        assertThat(Files.isSymbolicLink(into.resolve("f"))).isFalse();
        assertThat(Files.readString(into.resolve("sub/ok"))).isEqualTo("KEEP_DAILY=7\n");
        assertThat(Files.readSymbolicLink(into.resolve("here"))).isEqualTo(Path.of("."));
        assertThat(Files.readSymbolicLink(into.resolve("same"))).isEqualTo(Path.of("here"));
        assertThat(into.resolve("a")).doesNotExist();
    }

    @Test
    void anEntryThatWouldLeaveTheNewFolderIsRefusedAndNothingIsLeft() throws Exception {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("config/ops.env", "escaped\n");
        entries.put("config/../escaped.txt", "escaped\n");
        Path archive = crafted(entries);

        VolumeRestore r = restore(cfg());
        VolumeRestore.Plan plan = r.plan(r.choose("config", archive, null, null), false);
        assertThatThrownBy(() -> r.execute(plan)).isInstanceOf(OpsException.class)
                .hasMessageContaining("refusing tar entry config/../escaped.txt")
                .extracting(e -> ((OpsException) e).exitCode()).isEqualTo(ExitCode.RESTORE_FAILED);
        assertThat(home.resolve("escaped.txt")).doesNotExist();
        assertThat(names(home)).noneMatch(n -> n.startsWith("config.restored-"));
    }

    @Test
    void choosingRefusesWhatIsNotAVerifiedArchiveOfThatVolume() throws Exception {
        Config cfg = cfg();
        VolumeRestore r = restore(cfg);
        assertThatThrownBy(() -> r.choose("config", null, null, null)).isInstanceOf(OpsException.class)
                .hasMessageContaining("no verified archive of volume config");
        assertThatThrownBy(() -> r.choose("nginx", null, null, null)).hasMessageContaining("unknown volume nginx");

        VolumeBackup.Result taken = new VolumeBackup(cfg, Fixtures.log(cfg)).run("pgadmin", "manual", false);
        assertThatThrownBy(() -> r.choose("config", taken.archive(), null, null)).isInstanceOf(OpsException.class)
                .satisfies(e -> assertThat(((OpsException) e).oneLine()).contains("is an archive of pgadmin, not of config", "HINT: use --volume pgadmin"));
        assertThat(r.choose("pgadmin", BackupStore.volumeManifest(taken.archive()), null, null).archive())
                .as("its manifest names it too").isEqualTo(taken.archive());
        Path dump = Files.writeString(home.resolve("inventory_20261120T020000Z_daily.dump.zst"), "x");
        assertThatThrownBy(() -> r.choose("pgadmin", dump, null, null)).hasMessageContaining("not a volume archive of this kit");

        Files.delete(BackupStore.volumeManifest(taken.archive()));
        assertThatThrownBy(() -> r.choose("pgadmin", taken.archive(), null, null)).isInstanceOf(OpsException.class)
                .hasMessageContaining("no readable manifest").extracting(e -> ((OpsException) e).exitCode()).isEqualTo(ExitCode.VERIFY_FAILED);
    }
}
