package tests;

import lib.*;
import lib.crypt.Encryption;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.GpgKeys;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ENCRYPT=all end to end with real gpg keys: the local files are OpenPGP messages written in the backup's
 * single pass, gpg opens them, verification and restore decrypt them with DECRYPT_KEY, and a run whose
 * keys are missing writes nothing at all.
 */
class EncryptionTest {
    private final Path home = Fixtures.home();
    private final Config base = Fixtures.config(Fixtures.trustCluster(), home);
    private final Pg pg = new Pg(new PgTarget(base));

    private Config encrypted(GpgKeys.Key key, String... kv) throws Exception {
        Path pass = home.resolve("passphrase.txt");
        Files.writeString(pass, key.passphrase() + "\n");
        Map<String, String> o = new java.util.HashMap<>(Map.of("ENCRYPT", "all", "ENCRYPT_TO", key.publicBinary().toString(),
                "DECRYPT_KEY", key.secret().toString(), "DECRYPT_PASSPHRASE_FILE", pass.toString()));
        for (int i = 0; i + 1 < kv.length; i += 2) o.put(kv[i], kv[i + 1]);
        return base.with(o);
    }

    private List<Path> backupFiles() throws Exception {
        Path dir = home.resolve("backups");
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.toString().contains(".locks")).toList();
        }
    }

    @Test
    void allModeWritesGpgFilesThatVerifyRestoreAndOpenWithGpg() throws Exception {
        GpgKeys.Key key = GpgKeys.sharedRsa();
        Fixtures.createDb(pg, "enc_all", 3000);
        Config c = encrypted(key);
        Backup.Result r = new Backup(c, Fixtures.log(c)).run("enc_all", new Backup.Options("daily", "full", false, false));
        Manifest m = r.manifest();
        assertThat(m.dumpFile()).endsWith(".dump.zst.gpg");
        assertThat(m.globalsFile()).endsWith(".globals.sql.zst.gpg");
        assertThat(m.encryptedFor()).containsExactly(key.fingerprint());
        assertThat(m.verify().status()).isEqualTo("passed");
        assertThat(m.verify().detail()).contains("test restore matched 2 tables, 3002 rows");
        assertThat(m.sha256()).isEqualTo(ArchiveWriter.sha256(r.dump()));
        assertThat(key.gpgListPackets(r.dump())).contains("pubkey enc packet").doesNotContain("compressed packet");
        Path zst = home.resolve("plain.dump.zst");
        key.gpgDecrypt(r.dump(), zst);
        Proc.Result list = Proc.run(List.of("sh", "-c", "zstd -dc \"$0\" | pg_restore --list", zst.toString()), Map.of(), null);
        assertThat(list.ok()).as(list.stderr()).isTrue();
        assertThat(list.stdout()).contains("TABLE public products");

        Restore restore = new Restore(c, Fixtures.log(c));
        Restore.Plan plan = restore.plan(restore.choose(null, "enc_all", null, null), new Restore.Options("enc_all_copy", false, true, false));
        restore.check(plan);
        restore.execute(plan, new Restore.Options("enc_all_copy", false, true, false));
        assertThat(pg.psql().value("enc_all_copy", "SELECT count(*) FROM products")).isEqualTo("3000");
        pg.dropDatabase("enc_all_copy");
    }

    @Test
    void modeWithoutKeysOrWithABadKeyFailsBeforeWritingAnything() throws Exception {
        Fixtures.createDb(pg, "enc_none", 10);
        Config noKeys = base.with(Map.of("ENCRYPT", "all"));
        assertThatThrownBy(() -> new Backup(noKeys, Fixtures.log(noKeys)).run("enc_none", new Backup.Options("daily", "none", false, false)))
                .isInstanceOfSatisfying(OpsException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("ENCRYPT_TO names no public key");
        Path notAKey = Files.writeString(home.resolve("key.asc"), "hello");
        Config badKey = base.with(Map.of("ENCRYPT_TO", notAKey.toString()));
        assertThatThrownBy(() -> new Backup(badKey, Fixtures.log(badKey)))
                .isInstanceOfSatisfying(OpsException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE));
        assertThat(backupFiles()).isEmpty();
    }

    @Test
    void allModeWithVerificationNeedsTheSecretKeyUpFront() throws Exception {
        GpgKeys.Key key = GpgKeys.sharedCurve25519();
        Fixtures.createDb(pg, "enc_nokey", 10);
        Config c = encrypted(key).with(Map.of("DECRYPT_KEY", ""));
        assertThatThrownBy(() -> new Backup(c, Fixtures.log(c)).run("enc_nokey", new Backup.Options("daily", "quick", false, false)))
                .isInstanceOfSatisfying(OpsException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("DECRYPT_KEY is not set");
        assertThat(backupFiles()).isEmpty();
        // without verification no key is needed, and the file still claims nothing it is not
        Backup.Result r = new Backup(c, Fixtures.log(c)).run("enc_nokey", new Backup.Options("daily", "none", false, false));
        assertThat(Files.readAllBytes(r.dump())[0] & 0x80).isEqualTo(0x80);
        assertThat(lib.crypt.DecryptionKey.looksEncrypted(r.dump())).isTrue();
    }

    @Test
    void wrongPassphraseIsAOneLineUsageErrorWithoutThePassphrase() throws Exception {
        GpgKeys.Key key = GpgKeys.sharedCurve25519();
        Config c = encrypted(key).with(Map.of("DECRYPT_PASSPHRASE_FILE", "", "DECRYPT_PASSPHRASE", "not-the-passphrase"));
        assertThatThrownBy(() -> Encryption.from(c).key("x.dump.zst.gpg"))
                .isInstanceOfSatisfying(OpsException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.oneLine()).doesNotContain("not-the-passphrase").contains("passphrase");
                });
    }

    @Test
    void offsiteIsTheDefaultModeWhenKeysAreSet() throws Exception {
        GpgKeys.Key key = GpgKeys.sharedRsa();
        Encryption e = Encryption.from(base.with(Map.of("ENCRYPT_TO", key.publicArmored().toString())));
        assertThat(e.offsite()).isTrue();
        assertThat(e.local()).isFalse();
        assertThat(e.fingerprints()).containsExactly(key.fingerprint());
        assertThat(Encryption.from(base).offsite()).isFalse();
    }
}
