package tests;

import lib.BackupStore;
import lib.Manifest;
import lib.SafeFiles;
import lib.volume.VolumeManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BackupStoreTest {
    @TempDir Path root;

    static Manifest manifest(String db, String type, String base, String status) {
        return new Manifest(1, db, type, base + ".dump.zst", base + ".globals.sql.zst", "zstd:3", "direct", "x", "15", "15",
                Instant.now(), Instant.now(), 1, 10, 5, "ab", "cd", false, List.of(),
                status == null ? null : new Manifest.VerifyResult("full", status, Instant.now(), 1, null));
    }

    /** Writes a backup set in our layout; status null = no manifest (incomplete). */
    static Path put(Path root, String db, String type, Instant at, String status) throws Exception {
        String base = BackupStore.baseName(db, type, at);
        Path dir = Files.createDirectories(root.resolve(type));
        Path dump = dir.resolve(base + ".dump.zst");
        Files.write(dump, new byte[] {1, 2, 3});
        Files.write(dir.resolve(base + ".globals.sql.zst"), new byte[] {4});
        if (status != null) Files.write(dir.resolve(base + ".manifest.json"), manifest(db, type, base, status).toJson());
        return dump;
    }

    @Test
    void namesFollowTheDocumentedPattern() {
        assertThat(BackupStore.baseName("inventory", "daily", Instant.parse("2026-11-20T02:00:05Z")))
                .isEqualTo("inventory_20261120T020005Z_daily");
    }

    @Test
    void hostileNamesRoundTripThroughFileNames() {
        for (String db : List.of("it's \"odd\" $x", "a/b\\c:d*e?f|g<h>i", "ünï cödé", "50%_off", "trailing.", "x_20261120T020005Z_daily")) {
            String enc = BackupStore.encode(db);
            assertThat(enc).doesNotContainPattern("[<>:\"/\\\\|?*]").doesNotEndWith(".").doesNotEndWith(" ");
            assertThat(BackupStore.decode(enc)).isEqualTo(db);
        }
    }

    @Test
    void listsNewestFirstWithStateAndOnlyOurFiles() throws Exception {
        put(root, "inventory", "daily", Instant.parse("2026-11-20T02:00:00Z"), "passed");
        put(root, "inventory", "weekly", Instant.parse("2026-11-22T03:00:00Z"), "failed");
        put(root, "inventory", "daily", Instant.parse("2026-11-21T02:00:00Z"), null);
        put(root, "crm_x", "daily", Instant.parse("2026-11-21T02:00:00Z"), "passed");
        Files.writeString(root.resolve("daily/notes.txt"), "mine");
        Files.writeString(root.resolve("daily/inventory_latest.dump.zst"), "foreign");
        List<BackupStore.Entry> all = new BackupStore(root).list("inventory");
        assertThat(all).extracting(BackupStore.Entry::type).containsExactly("weekly", "daily", "daily");
        assertThat(all).extracting(BackupStore.Entry::verified).containsExactly(false, false, true);
        assertThat(all.get(1).state()).contains("incomplete");
        assertThat(new BackupStore(root).list(null)).hasSize(4);
        assertThat(new BackupStore(root).list("crm_x")).hasSize(1);
    }

    @Test
    void cleanPartialsRemovesOnlyThisDatabasesTempFiles() throws Exception {
        Path dir = Files.createDirectories(root.resolve("daily"));
        String mine = BackupStore.baseName("inventory", "daily", Instant.now()) + ".dump.zst.partial";
        String other = BackupStore.baseName("inventory2", "daily", Instant.now()) + ".dump.zst.partial";
        Files.writeString(dir.resolve(mine), "x");
        Files.writeString(dir.resolve(other), "x");
        Files.writeString(dir.resolve("keep.partial"), "x");
        assertThat(new BackupStore(root).cleanPartials("inventory")).extracting(p -> p.getFileName().toString()).containsExactly(mine);
        assertThat(dir.resolve(other)).exists();
        assertThat(dir.resolve("keep.partial")).exists();
    }

    /** Writes a volume archive in our layout; status null = no manifest (incomplete). */
    static Path putVolume(Path root, String archiveName, String type, Instant at, String status) throws Exception {
        String base = BackupStore.volumeBase(archiveName, type, at);
        Path dir = Files.createDirectories(root.resolve(type));
        Path archive = dir.resolve(base + ".tar.zst");
        Files.write(archive, new byte[] {1, 2, 3});
        if (status != null) {
            Files.write(BackupStore.volumeManifest(archive), new VolumeManifest(1, archiveName, type, archive.getFileName().toString(),
                    "zstd:3", null, "/x", at, at, 0, 1, 1, 10, 3, "ab", null,
                    new Manifest.VerifyResult("full", status, at, 0, null)).toJson());
        }
        return archive;
    }

    @Test
    void volumeArchivesAndDumpsAreNeverTakenForEachOtherEvenUnderTheSameName() throws Exception {
        Instant at = Instant.parse("2026-11-20T02:00:00Z");
        for (String name : List.of("config", "pgadmin-data")) {
            put(root, name, "daily", at, "passed");
            putVolume(root, name, "daily", at, "passed");
        }
        Files.writeString(root.resolve("daily/config_latest.tar.zst"), "foreign");
        BackupStore store = new BackupStore(root);
        assertThat(store.list(null)).extracting(BackupStore.Entry::db).containsExactlyInAnyOrder("config", "pgadmin-data");
        assertThat(store.list(null)).allMatch(e -> e.dump().toString().endsWith(".dump.zst") && e.verified());
        assertThat(store.volumeArchives(null)).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder("config_20261120T020000Z_daily.tar.zst", "pgadmin-data_20261120T020000Z_daily.tar.zst");
        assertThat(store.volumeArchives("config")).hasSize(1);
        assertThat(Files.list(root.resolve("daily"))).as("no name is shared: 2 x 3 dump files, 2 x 2 volume files, 1 foreign").hasSize(11);
        assertThat(BackupStore.parse(store.volumeArchives("config").get(0))).isEmpty();
        assertThat(BackupStore.matchVolume("config_20261120T020000Z_daily.dump.zst")).isNull();
        assertThat(BackupStore.matchVolume("config_20261120T020000Z_daily.manifest.json")).isNull();
        assertThat(BackupStore.matchVolume("pgadmin-data_20261120T020000Z_weekly.tar.zst.gpg").group("volume")).isEqualTo("pgadmin-data");
        assertThat(BackupStore.match("config_20261120T020000Z_daily.volume.json")).isNull();
    }

    @Test
    void volumeAndDatabasePartialsAreCleanedSeparately() throws Exception {
        Path dir = Files.createDirectories(root.resolve("weekly"));
        String volume = BackupStore.volumeBase("config", "weekly", Instant.now()) + ".tar.zst.gpg" + SafeFiles.PARTIAL;
        String db = BackupStore.baseName("config", "weekly", Instant.now()) + ".dump.zst" + SafeFiles.PARTIAL;
        Files.writeString(dir.resolve(volume), "x");
        Files.writeString(dir.resolve(db), "x");
        assertThat(new BackupStore(root).cleanVolumePartials("pgadmin-data")).isEmpty();
        assertThat(new BackupStore(root).cleanVolumePartials("config")).extracting(p -> p.getFileName().toString()).containsExactly(volume);
        assertThat(dir.resolve(db)).exists();
        assertThat(new BackupStore(root).cleanPartials("config")).extracting(p -> p.getFileName().toString()).containsExactly(db);
    }

    @Test
    void freeStampSkipsTakenSecondsAndWaitsUntilItsSecondHasCome() {
        Instant now = Instant.now();
        Instant free = BackupStore.freeStamp(now, t -> t.isBefore(now.plusSeconds(2)));
        assertThat(free).isEqualTo(now.plusSeconds(2));
        assertThat(Instant.now()).isAfter(free);
        assertThat(BackupStore.freeStamp(now, t -> false)).isEqualTo(now);
    }
}
