package tests;

import com.fasterxml.jackson.databind.node.ObjectNode;
import lib.*;
import lib.volume.VolumeManifest;
import lib.volume.VolumeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tests.support.Fixtures;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    /** Sets fields of a manifest file as a hostile or careless writer would ({@code offsite.dumpFile} for nested ones). */
    static void edit(Path manifest, String... fieldValues) throws Exception {
        ObjectNode json = (ObjectNode) Manifest.JSON.readTree(manifest.toFile());
        for (int i = 0; i + 1 < fieldValues.length; i += 2) {
            String[] path = fieldValues[i].split("\\.");
            ObjectNode node = path.length == 1 ? json : json.withObject("/" + path[0]);
            node.put(path[path.length - 1], fieldValues[i + 1]);
        }
        Manifest.JSON.writeValue(manifest.toFile(), json);
    }

    static Path manifestOf(Path dump) {
        return dump.resolveSibling(BackupStore.baseOf(dump.getFileName().toString()) + ".manifest.json");
    }

    @Test
    void aManifestNamingAnythingButItsOwnSetsFilesMakesItForeignAndRetentionNeverDeletesThroughIt() throws Exception {
        Path backups = root.resolve("backups");
        Path victim = Files.writeString(root.resolve("victim.txt"), "not a backup");
        Path weekly = put(backups, "inventory", "weekly", Instant.parse("2026-11-01T02:00:00Z"), "passed");
        Path neighbour = put(backups, "inventory", "daily", Instant.parse("2026-11-02T02:00:00Z"), "passed");
        Path neighbourGlobals = neighbour.resolveSibling(neighbour.getFileName().toString().replace(".dump.zst", ".globals.sql.zst"));
        // field, hostile name, the file it would reach
        List<String[]> cases = List.of(
                new String[] {"globalsFile", "../../victim.txt", victim.toString()},
                new String[] {"globalsFile", victim.toString(), victim.toString()},
                new String[] {"globalsFile", "../weekly/" + weekly.getFileName(), weekly.toString()},
                new String[] {"globalsFile", neighbourGlobals.getFileName().toString(), neighbourGlobals.toString()},
                new String[] {"globalsFile", neighbour.getFileName().toString(), neighbour.toString()},
                new String[] {"dumpFile", "../../victim.txt", victim.toString()},
                new String[] {"offsite.dumpFile", "../../victim.txt", victim.toString()},
                new String[] {"offsite.globalsFile", victim.toString(), victim.toString()});
        Log log = new Log(root.resolve("logs"), "test");
        for (int i = 0; i < cases.size(); i++) {
            String[] c = cases.get(i);
            Path dump = put(backups, "inventory", "daily", Instant.parse("2026-11-10T02:00:00Z").plusSeconds(i), "passed");
            edit(manifestOf(dump), c[0], c[1]);
            BackupStore.Entry e = BackupStore.parse(dump).orElseThrow();
            assertThat(e.state()).as(c[0] + " " + c[1]).isEqualTo("foreign (its manifest names " + c[1] + ", not a file of "
                    + BackupStore.baseOf(dump.getFileName().toString()) + ")");
            assertThat(e.verified()).isFalse();
            assertThat(e.globals()).isNull();
            assertThat(e.files()).doesNotContain(Path.of(c[2]), victim);
            Retention.delete(List.of(e), log);
            assertThat(Path.of(c[2])).as("retention of a set whose " + c[0] + " is " + c[1]).exists();
            assertThat(dump).as("the set's own files go").doesNotExist();
            assertThat(manifestOf(dump)).doesNotExist();
        }
        assertThat(victim).hasContent("not a backup");
    }

    @Test
    void aManifestClaimingAnotherDatabaseLeavesItsSetToTheDatabaseItsNameSays() throws Exception {
        Path dump = put(root, "crm", "daily", Instant.parse("2026-11-10T02:00:00Z"), "passed");
        put(root, "inventory", "daily", Instant.parse("2026-11-09T02:00:00Z"), "passed");
        edit(manifestOf(dump), "database", "inventory");
        BackupStore store = new BackupStore(root);
        assertThat(store.list("inventory")).as("inventory's retention never sees it").hasSize(1).noneMatch(e -> e.dump().equals(dump));
        assertThat(store.list("crm")).singleElement().satisfies(e -> {
            assertThat(e.state()).isEqualTo("foreign (its manifest is for database inventory)");
            assertThat(e.verified()).isFalse();
        });
    }

    @Test
    void aDatabasePartEncodeWouldNotWriteIsNotOurs() {
        for (String name : List.of("..\\..\\x_20261120T020000Z_daily.dump.zst", "c:x_20261120T020000Z_daily.dump.zst",
                "a%61_20261120T020000Z_daily.manifest.json", "a%2f_20261120T020000Z_daily.dump.zst")) {
            assertThat(BackupStore.match(name)).as(name).isNull();
        }
        assertThat(BackupStore.match(BackupStore.baseName("..\\a/b:c%", "daily", Instant.now()) + ".dump.zst")).isNotNull();
    }

    @Test
    void aVolumeManifestNamingAnotherArchiveMakesItForeign() throws Exception {
        Path other = putVolume(root, "config", "daily", Instant.parse("2026-11-01T02:00:00Z"), "passed");
        Path archive = putVolume(root, "config", "daily", Instant.parse("2026-11-02T02:00:00Z"), "passed");
        for (String name : List.of(other.getFileName().toString(), "../../victim.tar.zst", "/etc/passwd")) {
            edit(BackupStore.volumeManifest(archive), "archiveFile", name);
            VolumeSet s = VolumeSet.parse(archive).orElseThrow();
            assertThat(s.state()).as(name).isEqualTo("foreign (its manifest names " + name + ", not a file of its set)");
            assertThat(s.verified()).isFalse();
        }
    }

    @Test
    void restoreRefusesAForeignSetAndWithGlobalsNeverReadsTheFileItsManifestNames() throws Exception {
        Path home = Fixtures.home();
        Config cfg = Fixtures.config(Fixtures.trustCluster(), home);
        Pg pg = new Pg(new PgTarget(cfg));
        Fixtures.createDb(pg, "bs_foreign", 10);
        pg.psql().exec("postgres", "DROP ROLE IF EXISTS bs_planted");
        pg.dropDatabase("bs_foreign_copy");
        Path dump = new Backup(cfg, Fixtures.log(cfg)).run("bs_foreign", new Backup.Options("daily", "quick", false, false)).dump();
        Path victim = home.resolve("victim.sql.zst"); // beside BACKUP_DIR, not in it
        try (OutputStream out = Codec.parse("zstd").compress(Files.newOutputStream(victim))) {
            out.write("CREATE ROLE bs_planted;".getBytes());
        }
        edit(manifestOf(dump), "globalsFile", "../../victim.sql.zst", "globalsSha256", ArchiveWriter.sha256(victim));
        Restore restore = new Restore(cfg, Fixtures.log(cfg));
        Restore.Options o = new Restore.Options("bs_foreign_copy", false, true, false);
        assertThatThrownBy(() -> {
            Restore.Plan p = restore.plan(restore.choose(dump, null, null, null), o);
            restore.check(p);
            restore.execute(p, o);
        }).isInstanceOfSatisfying(OpsException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.VERIFY_FAILED))
                .hasMessage(dump.getFileName() + " is foreign (its manifest names ../../victim.sql.zst, not a file of "
                        + BackupStore.baseOf(dump.getFileName().toString()) + "); it is not restored");
        assertThatThrownBy(() -> restore.choose(null, "bs_foreign", null, null)).hasMessageContaining("no verified backup of bs_foreign");
        assertThat(pg.psql().value("postgres", "SELECT count(*) FROM pg_roles WHERE rolname = 'bs_planted'")).isEqualTo("0");
        assertThat(pg.exists("bs_foreign_copy")).isFalse();
        assertThat(victim).exists();
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

    static final java.util.regex.Pattern DEVICE =
            java.util.regex.Pattern.compile("(?i)(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])(\\..*)?");

    @Test
    void namesThatDifferOnlyInCaseOrAreWindowsDevicesGetFileNamesOfTheirOwnOnNtfs() {
        List<String> dbs = List.of("Sales", "sales", "SALES", "sAles", "J\u00fcrgen", "j\u00fcrgen", "J\u00dcRGEN", "\u017fales",
                "con", "CON", "Con", "nul.txt", "aux", "prn.x.y", "com1", "COM9", "lpt1", "lpt\u00b9", "com0", "console", "nul_x");
        java.util.Set<String> folded = new java.util.HashSet<>();
        for (String db : dbs) {
            String enc = BackupStore.encode(db);
            assertThat(BackupStore.decode(enc)).as(db).isEqualTo(db);
            for (String file : List.of(enc + ".lock", BackupStore.baseName(db, "daily", Instant.EPOCH) + ".dump.zst")) {
                assertThat(DEVICE.matcher(file).matches()).as(file).isFalse();
                assertThat(BackupStore.match(file.replace(".lock", "_19700101T000000Z_daily.dump.zst"))).as(file).isNotNull();
            }
            assertThat(folded.add(enc.toLowerCase(java.util.Locale.ROOT))).as(db + " -> " + enc).isTrue();
        }
        assertThat(BackupStore.encode("inventory")).isEqualTo("inventory");
        assertThat(BackupStore.encode("console")).isEqualTo("console");
    }

    @Test
    void setsNamedByEarlierVersionsStillListAndBelongToTheirDatabase() throws Exception {
        Instant old = Instant.parse("2026-11-20T02:00:00Z");
        String base = "Sales_20261120T020000Z_daily"; // as earlier versions wrote it: letters as they are
        Path dir = Files.createDirectories(root.resolve("daily"));
        Files.write(dir.resolve(base + ".dump.zst"), new byte[] {1});
        Files.write(dir.resolve(base + ".manifest.json"), manifest("Sales", "daily", base, "passed").toJson());
        Path fresh = put(root, "Sales", "daily", old.plusSeconds(86_400), "passed");
        put(root, "sales", "daily", old, "passed");

        List<BackupStore.Entry> sales = new BackupStore(root).list("Sales");

        assertThat(fresh.getFileName().toString()).startsWith("%53ales_");
        assertThat(sales).extracting(e -> e.dump().getFileName().toString())
                .containsExactly(fresh.getFileName().toString(), base + ".dump.zst");
        assertThat(sales).allSatisfy(e -> assertThat(e.verified()).isTrue());
        assertThat(new BackupStore(root).list("sales")).hasSize(1);
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
        String longer = BackupStore.baseName("inventory_x", "daily", Instant.now()) + ".dump.zst.partial";
        String upper = BackupStore.baseName("Inventory", "daily", Instant.now()) + ".dump.zst.partial";
        for (String f : List.of(mine, other, longer, upper)) Files.writeString(dir.resolve(f), "x");
        Files.writeString(dir.resolve("keep.partial"), "x");
        assertThat(new BackupStore(root).cleanPartials("inventory")).extracting(p -> p.getFileName().toString()).containsExactly(mine);
        assertThat(dir.resolve(other)).exists();
        assertThat(dir.resolve(longer)).exists();
        assertThat(dir.resolve(upper)).exists();
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
