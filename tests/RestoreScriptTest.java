package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import lib.*;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.Scripts;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.*;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end through {@code ./jbang restore.java}: the plan, the refusal without a terminal, the swap that
 * keeps the old database and takes a safety backup first, damaged files refused before anything changes,
 * and choosing a backup by date, by file or from the listing.
 */
class RestoreScriptTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BACKED_UP = 500;
    private static final int CURRENT = 525;

    private Path home;
    private ScratchServer server;
    private Pg pg;
    private Map<String, String> env;
    /** This test's database; every database whose name starts with it is dropped afterwards. */
    private String db;

    @BeforeEach
    void setUp() {
        home = Fixtures.home();
        server = Fixtures.trustCluster();
        pg = new Pg(new PgTarget(Fixtures.config(server, home)));
        env = Fixtures.env(server, home);
        env.put("VERIFY", "quick");
        db = "rst_" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        Fixtures.createDb(pg, db, BACKED_UP);
    }

    @AfterEach
    void cleanUp() {
        for (String d : databases()) {
            try {
                pg.dropDatabase(d);
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
        BackupScriptTest.deleteTree(home.getParent());
    }

    /** A daily backup of {@code db} taken now, through the script; returns its entry. */
    private BackupStore.Entry backup() {
        Scripts.Run r = Scripts.run(env, "backup.java", "--type", "daily", "--db", db);
        assertThat(r.exit()).as(r.all()).isZero();
        BackupStore.Entry e = new BackupStore(home.resolve("backups")).list(db).get(0);
        assertThat(e.verified()).isTrue();
        return e;
    }

    /** The database changes after the backup, so a restore (or not) shows in the row count. */
    private void changeAfterBackup() {
        pg.psql().exec(db, "INSERT INTO products SELECT g, 'later ' || g FROM generate_series(" + (BACKED_UP + 1) + ", "
                + CURRENT + ") g");
    }

    @Test
    void dryRunPrintsThePlanAndChangesNothing() {
        BackupStore.Entry b = backup();
        changeAfterBackup();
        Scripts.Run r = Scripts.run(env, "restore.java", "--latest", "--db", db, "--dry-run");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("backup:   " + b.dump(), "checksum and archive listing OK", BACKED_UP + 2 + " rows",
                "target:   " + db + " (exists: it will be replaced)", "safety:   a backup of " + db + " is taken first",
                "steps:    restore into " + db + "_restoring_", "rename " + db + " -> " + db + "_before_restore_");
        assertUnchanged();
    }

    @Test
    void withoutYesAndWithoutTerminalItRefusesAndChangesNothing() {
        backup();
        changeAfterBackup();
        Scripts.Run r = Scripts.run(env, "restore.java", "--latest", "--db", db);
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.USAGE);
        List<String> err = BackupScriptTest.errLines(r);
        assertThat(err).hasSize(1);
        assertThat(err.get(0)).contains("refusing to replace database " + db + " without confirmation", "add --yes");
        assertUnchanged();
    }

    @Test
    void latestWithYesReplacesKeepsTheOldOneAndTakesASafetyBackup() throws IOException {
        BackupStore.Entry b = backup();
        changeAfterBackup();
        Scripts.Run r = Scripts.run(env, "restore.java", "--latest", "--db", db, "--yes");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).containsPattern("restored " + java.util.regex.Pattern.quote(b.dump().getFileName().toString())
                + " into " + db + " in \\d+\\.\\d s \\(backup age \\d+m\\)");

        assertThat(count(db)).isEqualTo(BACKED_UP);
        List<String> kept = databases().stream().filter(d -> d.startsWith(db + "_before_restore_")).toList();
        assertThat(kept).hasSize(1);
        assertThat(kept.get(0)).matches(db + "_before_restore_\\d{8}t\\d{6}z");
        assertThat(count(kept.get(0))).isEqualTo(CURRENT);
        assertThat(r.out()).contains("the previous database is kept as " + kept.get(0));
        assertThat(databases()).containsExactlyInAnyOrder(db, kept.get(0));

        List<BackupStore.Entry> safety = new BackupStore(home.resolve("backups")).list(db).stream()
                .filter(e -> e.type().equals(BackupStore.SAFETY)).toList();
        assertThat(safety).hasSize(1);
        BackupStore.Entry s = safety.get(0);
        assertThat(s.dump().getParent()).isEqualTo(home.resolve("backups/safety"));
        assertThat(s.verified()).isTrue();
        assertThat(s.manifest().tables()).anySatisfy(t -> {
            assertThat(t.table()).isEqualTo("products");
            assertThat(t.rows()).isEqualTo(CURRENT);
        });
        assertThat(r.out()).contains("safety backup: " + s.dump());
        // --latest never picks the safety backup, although it is newer
        Scripts.Run again = Scripts.run(env, "restore.java", "--latest", "--db", db, "--dry-run");
        assertThat(again.out()).contains("backup:   " + b.dump());
    }

    @Test
    void truncatedOrBitFlippedFilesAreRefusedBeforeAnythingChanges() throws IOException {
        BackupStore.Entry b = backup();
        changeAfterBackup();
        Path truncated = copySet(b, home.resolve("damaged copies/truncated"));
        try (RandomAccessFile f = new RandomAccessFile(truncated.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        Path flipped = copySet(b, home.resolve("damaged copies/flipped"));
        try (RandomAccessFile f = new RandomAccessFile(flipped.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int v = f.read();
            f.seek(at);
            f.write(v ^ 0x10);
        }
        for (Path damaged : List.of(truncated, flipped)) {
            Scripts.Run r = Scripts.run(env, "restore.java", damaged.toString(), "--yes");
            assertThat(r.exit()).as(damaged + ": " + r.all()).isEqualTo(ExitCode.VERIFY_FAILED);
            List<String> err = BackupScriptTest.errLines(r);
            assertThat(err).hasSize(1);
            assertThat(err.get(0)).contains("checksum mismatch", damaged.getFileName().toString(), "HINT:");
            assertUnchanged();
        }
        // the good original still restores
        assertThat(ArchiveWriter.sha256(b.dump())).isEqualTo(b.manifest().sha256());
    }

    @Test
    void archiveDamagedBehindAMatchingChecksumFailsMidRestoreAndLeavesTheTargetAsItWas() throws IOException {
        // enough incompressible rows that the archive's table of contents survives the truncation
        pg.psql().exec(db, "CREATE TABLE noise AS SELECT g AS id, md5(random()::text) AS a FROM generate_series(1, 100000) g");
        BackupStore.Entry b = backup();
        changeAfterBackup();
        Path copy = copySet(b, home.resolve("forged copy"));
        try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
            f.setLength(f.length() * 3 / 4);
        }
        Path manifest = copy.resolveSibling(copy.getFileName().toString().replace(".dump.zst", ".manifest.json"));
        ObjectNode m = (ObjectNode) JSON.readTree(manifest.toFile());
        m.put("sha256", ArchiveWriter.sha256(copy));
        JSON.writeValue(manifest.toFile(), m);

        Scripts.Run r = Scripts.run(env, "restore.java", copy.toString(), "--yes");
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.RESTORE_FAILED);
        List<String> err = BackupScriptTest.errLines(r);
        assertThat(err).hasSize(1);
        assertThat(err.get(0)).contains("cannot decompress " + copy.getFileName(), "truncated", "HINT:");
        assertThat(count(db)).isEqualTo(CURRENT);
        assertThat(databases()).containsExactly(db);
        assertThat(BackupScriptTest.filesText(home.resolve("logs"))).contains("restore failed; dropping " + db + "_restoring_");
    }

    @Test
    void dateChoosesTheBackupTakenThatDay() throws IOException {
        BackupStore.Entry old = backup();
        Path moved = redate(old, "20250101T020000Z");
        changeAfterBackup();
        BackupStore.Entry today = backup();
        pg.psql().exec(db, "DELETE FROM products WHERE id <= 10");

        Scripts.Run r = Scripts.run(env, "restore.java", "--date", "2025-01-01", "--db", db, "--target-db", db + "_old", "--yes");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("restored " + moved.getFileName() + " into " + db + "_old");
        assertThat(count(db + "_old")).isEqualTo(BACKED_UP);
        assertThat(count(db)).isEqualTo(CURRENT - 10);

        String now = LocalDate.now(ZoneOffset.UTC).toString();
        Scripts.Run plan = Scripts.run(env, "restore.java", "--date", now, "--db", db, "--dry-run");
        assertThat(plan.exit()).as(plan.all()).isZero();
        assertThat(plan.out()).contains("backup:   " + today.dump(), CURRENT + 2 + " rows");

        Scripts.Run none = Scripts.run(env, "restore.java", "--date", "2024-12-31", "--db", db, "--dry-run");
        assertThat(none.exit()).as(none.all()).isEqualTo(ExitCode.USAGE);
        assertThat(BackupScriptTest.errLines(none)).hasSize(1);
        assertThat(BackupScriptTest.errLines(none).get(0)).contains("no verified backup of " + db, "taken on 2024-12-31");
    }

    @Test
    void fileArgumentRestoresThatFileAndAcceptsItsManifest() {
        BackupStore.Entry b = backup();
        changeAfterBackup();
        Scripts.Run r = Scripts.run(env, "restore.java", b.dump().toString(), "--target-db", db + "_fromfile", "--yes");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(count(db + "_fromfile")).isEqualTo(BACKED_UP);
        assertThat(count(db)).isEqualTo(CURRENT);
        assertThat(r.out()).doesNotContain("safety backup:");   // a new database needs none

        Scripts.Run viaManifest = Scripts.run(env, "restore.java", b.manifestFile().toString(), "--dry-run");
        assertThat(viaManifest.exit()).as(viaManifest.all()).isZero();
        assertThat(viaManifest.out()).contains("backup:   " + b.dump(), "target:   " + db + " (exists");

        Scripts.Run missing = Scripts.run(env, "restore.java", home.resolve("nope_20250101T000000Z_daily.dump.zst").toString(), "--yes");
        assertThat(missing.exit()).as(missing.all()).isEqualTo(ExitCode.USAGE);
        assertThat(BackupScriptTest.errLines(missing).get(0)).contains("backup file not found");
    }

    @Test
    void listShowsBackupsWithTheirState() throws IOException {
        BackupStore.Entry b = backup();
        Scripts.Run r = Scripts.run(env, "restore.java", "--list");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("DATABASE", "STATE / FILE");
        String line = r.out().lines().filter(l -> l.contains(b.dump().getFileName().toString())).findFirst().orElse("");
        assertThat(line).as(r.out()).startsWith(db).contains("daily", "passed (quick)");

        Scripts.Run json = Scripts.run(env, "restore.java", "--list", "--json", "--db", db);
        assertThat(json.exit()).as(json.all()).isZero();
        JsonNode rows = JSON.readTree(json.out()).path("backups");
        assertThat(rows.size()).isEqualTo(1);
        assertThat(rows.get(0).path("database").asText()).isEqualTo(db);
        assertThat(rows.get(0).path("verified").asBoolean()).isTrue();
        assertThat(rows.get(0).path("file").asText()).isEqualTo(b.dump().toString());

        Scripts.Run weekly = Scripts.run(env, "restore.java", "--list", "--json", "--db", db, "--type", "weekly");
        assertThat(weekly.exit()).as(weekly.all()).isZero();
        assertThat(JSON.readTree(weekly.out()).path("backups")).as("--type filters the list").isEmpty();
    }

    @Test
    void bareFileNamesAsListPrintsThemAreFoundInTheTierFolders() {
        BackupStore.Entry b = backup();
        changeAfterBackup();
        String name = b.dump().getFileName().toString();
        Scripts.Run r = Scripts.run(env, "restore.java", name, "--dry-run");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("backup:   " + b.dump());
        Scripts.Run viaManifest = Scripts.run(env, "restore.java", b.manifestFile().getFileName().toString(), "--dry-run");
        assertThat(viaManifest.exit()).as(viaManifest.all()).isZero();
        assertThat(viaManifest.out()).contains("backup:   " + b.dump());
        Scripts.Run unknown = Scripts.run(env, "restore.java", db + "_20250101T000000Z_daily.dump.zst", "--dry-run");
        assertThat(unknown.exit()).as(unknown.all()).isEqualTo(ExitCode.USAGE);
        assertThat(BackupScriptTest.errLines(unknown).get(0)).contains("backup file not found");
        assertUnchanged();
    }

    @Test
    void aBadDateIsOneLineWithAHintAndNoArgumentsPrintsUsage() {
        Scripts.Run bad = Scripts.run(env, "restore.java", "--date", "2026-13-01", "--db", db, "--dry-run");
        assertThat(bad.exit()).as(bad.all()).isEqualTo(ExitCode.USAGE);
        String first = bad.err().lines().findFirst().orElse("");
        assertThat(first).contains("'2026-13-01' is not a date", "HINT:", "YYYY-MM-DD");
        assertThat(bad.err()).doesNotContain("Exception", "java.time");

        backup();
        changeAfterBackup();
        Scripts.Run none = Scripts.run(env, "restore.java");
        assertThat(none.exit()).as(none.all()).isEqualTo(ExitCode.USAGE);
        assertThat(none.err()).contains("say which backup to restore: --latest", "Usage:");
        assertUnchanged();
    }

    @Test
    void systemDatabasesAreRefusedInTheDryRunToo() {
        backup();
        for (String args : List.of("--dry-run", "--yes")) {
            Scripts.Run r = Scripts.run(env, "restore.java", "--latest", "--db", db, "--target-db", "postgres", args);
            assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.USAGE);
            assertThat(BackupScriptTest.errLines(r)).singleElement().asString()
                    .contains("refusing to restore into postgres", "HINT:", "--target-db postgres_restored");
        }
        assertThat(home.resolve("backups/safety")).doesNotExist();
    }

    // ================================================================ helpers

    /** The target still holds the current data and nothing was created next to it. */
    private void assertUnchanged() {
        assertThat(count(db)).isEqualTo(CURRENT);
        assertThat(databases()).containsExactly(db);
        assertThat(home.resolve("backups/safety")).doesNotExist();
    }

    private long count(String database) {
        return BackupScriptTest.count(pg, database, "products");
    }

    /** Every database whose name starts with this test's database name. */
    private List<String> databases() {
        return pg.psql().query("postgres", "SELECT datname FROM pg_database WHERE starts_with(datname, " + Psql.literal(db)
                + ") ORDER BY 1").stream().map(m -> (String) m.get("datname")).toList();
    }

    /** Copies the backup's files into {@code dir}; returns the copy of the dump. */
    private static Path copySet(BackupStore.Entry e, Path dir) {
        try {
            Files.createDirectories(dir);
            for (Path f : e.files()) Files.copy(f, dir.resolve(f.getFileName()));
            return dir.resolve(e.dump().getFileName());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Renames a backup set as if taken at {@code stamp} (manifest updated to match); returns the new dump path. */
    private static Path redate(BackupStore.Entry e, String stamp) throws IOException {
        String oldBase = e.dump().getFileName().toString().replace(".dump.zst", "");
        String newBase = oldBase.replaceFirst("_\\d{8}T\\d{6}Z_", "_" + stamp + "_");
        ObjectNode m = (ObjectNode) JSON.readTree(e.manifestFile().toFile());
        String iso = BackupStore.STAMP.parse(stamp, java.time.Instant::from).toString();
        m.put("dumpFile", newBase + ".dump.zst");
        m.put("globalsFile", newBase + ".globals.sql.zst");
        m.put("startedAt", iso);
        m.put("finishedAt", iso);
        Path dir = e.dump().getParent();
        Files.move(e.dump(), dir.resolve(newBase + ".dump.zst"));
        Files.move(e.globals(), dir.resolve(newBase + ".globals.sql.zst"));
        JSON.writeValue(dir.resolve(newBase + ".manifest.json").toFile(), m);
        Files.delete(e.manifestFile());
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(oldBase)).toList()).isEmpty();
        }
        return dir.resolve(newBase + ".dump.zst");
    }
}
