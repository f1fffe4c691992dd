package tests;

import lib.*;
import lib.offsite.Offsite;
import lib.offsite.RemoteStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.GpgKeys;
import tests.support.Remotes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The remote layout against a real rclone remote: listing, incomplete and foreign files, choosing and fetching sets. */
class RemoteStoreTest {
    private static Remotes.Remote remote;
    private final Path home = Fixtures.home();
    private final Pg pg = new Pg(new PgTarget(Fixtures.config(Fixtures.trustCluster(), home)));

    @BeforeAll
    static void start() { remote = Remotes.local(); }

    @AfterAll
    static void stop() { remote.close(); }

    private Config cfg(String... kv) {
        Map<String, String> o = new HashMap<>(remote.settings());
        o.put("REMOTE", remote.remote() + "/" + home.getParent().getFileName());
        for (int i = 0; i + 1 < kv.length; i += 2) o.put(kv[i], kv[i + 1]);
        return Fixtures.config(Fixtures.trustCluster(), home).with(o);
    }

    private Path weeklyDir(Config c) {
        return remote.dir().orElseThrow().resolve(home.getParent().getFileName().toString()).resolve("weekly");
    }

    private Backup.Result weekly(Config c, String db) {
        return new Backup(c, Fixtures.log(c)).run(db, new Backup.Options("weekly", "quick", false, false));
    }

    /** A new database {@code db}, backed up weekly and so uploaded; returns the remote's weekly folder. */
    private Path uploaded(Config c, String db) {
        Fixtures.createDb(pg, db, 50);
        weekly(c, db);
        return weeklyDir(c);
    }

    @Test
    void listsCompleteAndIncompleteSetsAndIgnoresForeignFiles() throws Exception {
        Config c = cfg();
        Path dir = uploaded(c, "rs_list");
        Files.writeString(dir.resolve("rs_list_20200101T000000Z_weekly.dump.zst"), "half an upload");
        Files.writeString(dir.resolve("README.txt"), "foreign");
        Files.createDirectories(dir.resolveSibling("daily"));
        Files.writeString(dir.resolveSibling("daily").resolve("rs_list_20200101T000000Z_weekly.dump.zst"), "wrong tier folder");
        RemoteStore store = Offsite.store(c, Fixtures.log(c));
        var sets = store.list("rs_list");
        assertThat(sets).hasSize(2);
        assertThat(sets.get(0).complete()).isTrue();
        assertThat(sets.get(1).complete()).isFalse();
        assertThat(sets.get(1).state()).isEqualTo("incomplete (no manifest)");
        assertThat(store.list("other")).isEmpty();
        assertThatThrownBy(() -> store.choose("rs_list_20200101T000000Z_weekly.dump.zst", null, null, null))
                .isInstanceOfSatisfying(OpsException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.VERIFY_FAILED))
                .hasMessageContaining("incomplete");
        assertThatThrownBy(() -> store.choose(null, "rs_list", "monthly", null))
                .isInstanceOfSatisfying(OpsException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("no verified backup of rs_list of type monthly");
        assertThat(store.choose(null, "rs_list", null, null).base()).isEqualTo(sets.get(0).base());
    }

    @Test
    void fetchChecksEveryFileAndDecryptsWhatTheUploadEncrypted() throws Exception {
        GpgKeys.Key key = GpgKeys.sharedRsa();
        Fixtures.createDb(pg, "rs_fetch", 200);
        Path pass = Files.writeString(home.resolve("pass"), key.passphrase());
        Config c = cfg("ENCRYPT_TO", key.publicArmored().toString(), "DECRYPT_KEY", key.secret().toString(),
                "DECRYPT_PASSPHRASE_FILE", pass.toString());
        Backup.Result r = weekly(c, "rs_fetch");
        RemoteStore store = Offsite.store(c, Fixtures.log(c));
        var set = store.choose(null, "rs_fetch", "weekly", null);
        BackupStore.Entry got = store.fetch(set, home.resolve("dl"), lib.crypt.Encryption.from(c));
        assertThat(got.dump().getFileName()).isEqualTo(r.dump().getFileName());
        assertThat(Files.mismatch(got.dump(), r.dump())).isEqualTo(-1);
        assertThat(got.verified()).isTrue();
        assertThat(home.resolve("dl")).isDirectoryNotContaining("glob:**.gpg").isDirectoryNotContaining("glob:**.partial");

        // a wrong key is refused and leaves nothing behind
        GpgKeys.Key other = GpgKeys.sharedCurve25519();
        Path otherPass = Files.writeString(home.resolve("pass2"), other.passphrase());
        Config wrong = c.with(Map.of("DECRYPT_KEY", other.secret().toString(), "DECRYPT_PASSPHRASE_FILE", otherPass.toString()));
        assertThatThrownBy(() -> store.fetch(set, home.resolve("dl2"), lib.crypt.Encryption.from(wrong)))
                .isInstanceOfSatisfying(OpsException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.VERIFY_FAILED));
        assertThat(home.resolve("dl2")).isDirectoryNotContaining("glob:**.dump.zst").isDirectoryNotContaining("glob:**.partial");
    }

    @Test
    void aRemoteManifestNamingFilesElsewhereIsForeignAndNothingIsFetchedOutsideTheFolder() throws Exception {
        Config c = cfg();
        Path dir = uploaded(c, "rs_hostile");
        Path manifest;
        try (var files = Files.list(dir)) {
            manifest = files.filter(f -> f.getFileName().toString().startsWith("rs_hostile_")
                    && f.getFileName().toString().endsWith(".manifest.json")).findFirst().orElseThrow();
        }
        String base = BackupStore.baseOf(manifest.getFileName().toString());
        Path outside = home.resolve("planted.dump.zst");
        // the remote serves bytes under that name, so a download that trusted it would write them there
        Path served = dir.resolve(outside.toString().substring(1));
        Files.createDirectories(served.getParent());
        Files.writeString(served, "planted");
        BackupStoreTest.edit(manifest, "offsite.dumpFile", outside.toString(), "offsite.dumpSha256", ArchiveWriter.sha256(served));

        RemoteStore store = Offsite.store(c, Fixtures.log(c));
        RemoteStore.RemoteSet listed = store.list("rs_hostile").get(0);
        assertThat(listed.state()).isEqualTo("foreign (its manifest names " + outside + ", not a file of " + base + ")");
        assertThat(listed.verified()).isFalse();
        assertThatThrownBy(() -> store.choose(base + ".dump.zst", null, null, null))
                .isInstanceOfSatisfying(OpsException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.VERIFY_FAILED))
                .hasMessageContaining("is foreign (its manifest names " + outside);
        assertThatThrownBy(() -> store.choose(null, "rs_hostile", null, null)).hasMessageContaining("no verified backup of rs_hostile");

        // a set handed to fetch with that manifest all the same is refused before any local path is made
        RemoteStore.RemoteSet trusting = new RemoteStore.RemoteSet("rs_hostile", "weekly", listed.at(), base, Manifest.read(manifest),
                listed.files());
        Path into = home.resolve("backups/.downloads").resolve(base);
        assertThatThrownBy(() -> store.fetch(trusting, into, lib.crypt.Encryption.from(c))).hasMessageContaining("is foreign");
        assertThat(outside).doesNotExist();
        assertThat(into).doesNotExist();
    }
}
