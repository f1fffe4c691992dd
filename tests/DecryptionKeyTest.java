package tests;

import lib.ExitCode;
import lib.OpsException;
import lib.crypt.DecryptionKey;
import lib.crypt.Recipients;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tests.support.GpgKeys;
import tests.support.GpgKeys.Key;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tests.RecipientsTest.data;
import static tests.RecipientsTest.encrypt;

/** Decryption of what the real gpg 2.2 and our own code encrypt, and refusal of everything else. */
class DecryptionKeyTest {
    @TempDir static Path dir;
    static Key rsa;
    static Key curve;
    static DecryptionKey rsaKey;
    static DecryptionKey curveKey;

    @BeforeAll
    static void keys() {
        rsa = GpgKeys.sharedRsa();
        curve = GpgKeys.sharedCurve25519();
        rsaKey = DecryptionKey.load(rsa.secret(), rsa.passphrase().toCharArray());
        curveKey = DecryptionKey.load(curve.secret(), curve.passphrase().toCharArray());
    }

    static Key key(String type) { return type.equals("rsa") ? rsa : curve; }

    static DecryptionKey ours(String type) { return type.equals("rsa") ? rsaKey : curveKey; }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"rsa, --compress-algo none", "rsa, --compress-algo zlib", "rsa, --armor",
            "curve25519, --compress-algo none", "curve25519, --compress-algo zip", "curve25519, --armor", "curve25519, --throw-keyids"})
    void decryptsWhatGpgEncrypts(String type, String options) throws IOException {
        byte[] plain = data(200_003);
        Path in = Files.write(dir.resolve("plain-" + type), plain);
        Path enc = dir.resolve("gpg-" + type + options.replace(' ', '_') + ".gpg");
        GpgKeys.gpgEncrypt(in, enc, List.of(options.split(" ")), key(type));
        Path out = dir.resolve("ours-" + enc.getFileName());
        ours(type).decryptFile(enc, out);
        assertThat(Files.readAllBytes(out)).isEqualTo(plain);
        assertThat(DecryptionKey.looksEncrypted(enc)).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"UTF-8 with BOM, UTF-8, EFBBBF", "Notepad's Unicode (UTF-16LE with BOM), UTF-16LE, FFFE",
            "UTF-16BE with BOM, UTF-16BE, FEFF", "plain UTF-8, UTF-8, ''"})
    void aPassphraseFileSavedByAWindowsEditorUnlocksTheKey(String what, String charset, String bom) throws IOException {
        byte[] text = (rsa.passphrase() + "\r\n").getBytes(java.nio.charset.Charset.forName(charset));
        byte[] mark = java.util.HexFormat.of().parseHex(bom);
        Path file = dir.resolve("passphrase-" + charset + bom + ".txt");
        Files.write(file, concat(mark, text));

        char[] read = DecryptionKey.readPassphrase(file);

        assertThat(new String(read)).isEqualTo(rsa.passphrase());
        assertThat(DecryptionKey.load(rsa.secret(), read).fingerprints()).containsExactly(rsa.fingerprint());
    }

    @Test
    void aSecretKeySavedByWindowsPowerShellRedirectionOpensWhatGpgEncrypts() throws IOException {
        Path saved = RecipientsTest.powerShellExport(curve.secret(), dir);
        byte[] plain = data(50_000);
        Path in = Files.write(dir.resolve("plain-ps51"), plain);
        Path enc = dir.resolve("gpg-ps51.gpg");
        GpgKeys.gpgEncrypt(in, enc, List.of(), curve);

        Path out = dir.resolve("ours-ps51");
        DecryptionKey.load(saved, curve.passphrase().toCharArray()).decryptFile(enc, out);

        assertThat(Files.readAllBytes(out)).isEqualTo(plain);
    }

    @Test
    void aPassphraseFileThatIsNotTextSaysWhatWasFound() throws IOException {
        Path utf16 = Files.write(dir.resolve("no-bom.txt"), "secret".getBytes(java.nio.charset.StandardCharsets.UTF_16LE));
        Path latin1 = Files.write(dir.resolve("latin1.txt"), "geheim\u00e4".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

        assertThatThrownBy(() -> DecryptionKey.readPassphrase(utf16)).isInstanceOfSatisfying(OpsException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
            assertThat(e.getMessage()).contains("not UTF-8 text").contains("UTF-16 without a byte order mark").doesNotContain("secret");
        });
        assertThatThrownBy(() -> DecryptionKey.readPassphrase(latin1)).hasMessageContaining("not UTF-8 text")
                .hasMessageNotContaining("geheim");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void decryptsGpgsDefaultCompressedMessage() throws IOException {
        byte[] plain = ("compressible ".repeat(50_000)).getBytes();
        Path in = Files.write(dir.resolve("text"), plain);
        Path enc = dir.resolve("gpg-default.gpg");
        GpgKeys.gpgEncrypt(in, enc, curve);
        assertThat(Files.size(enc)).isLessThan(plain.length / 10);
        try (InputStream d = curveKey.decrypt(Files.newInputStream(enc))) {
            assertThat(d.readAllBytes()).isEqualTo(plain);
        }
    }

    @Test
    void eachRecipientOfOurMessageCanDecryptIt() throws IOException {
        byte[] plain = data(150_000);
        Path enc = encrypt(Recipients.load(List.of(rsa.publicBinary(), curve.publicArmored())), plain, dir);
        for (DecryptionKey k : List.of(rsaKey, curveKey)) {
            try (InputStream d = k.decrypt(Files.newInputStream(enc))) {
                assertThat(d.readAllBytes()).isEqualTo(plain);
            }
        }
    }

    @Test
    void fingerprintsAreGpgs() {
        assertThat(rsaKey.fingerprints()).containsExactly(rsa.fingerprint());
        assertThat(curveKey.fingerprints()).containsExactly(curve.fingerprint());
    }

    @Test
    void readsBinarySecretKeyFiles() throws IOException {
        Path bin = dir.resolve("secret.gpg");
        try (InputStream armored = new org.bouncycastle.bcpg.ArmoredInputStream(Files.newInputStream(curve.secret()))) {
            Files.write(bin, armored.readAllBytes());
        }
        DecryptionKey k = DecryptionKey.load(bin, curve.passphrase().toCharArray());
        assertThat(k.fingerprints()).containsExactly(curve.fingerprint());
    }

    @Test
    void readsSubkeyOnlyExportsWhosePrimaryKeyIsKeptOffline() throws IOException {
        Path subkeys = dir.resolve("subkeys.asc");
        assertThat(rsa.gpg("--armor", "--output", subkeys.toString(), "--export-secret-subkeys", rsa.fingerprint()).ok()).isTrue();
        byte[] plain = data(1000);
        Path enc = encrypt(Recipients.load(List.of(rsa.publicArmored())), plain, dir);
        try (InputStream d = DecryptionKey.load(subkeys, rsa.passphrase().toCharArray()).decrypt(Files.newInputStream(enc))) {
            assertThat(d.readAllBytes()).isEqualTo(plain);
        }
    }

    @Test
    void tamperedFileIsRefusedAndLeavesNothing() throws IOException {
        Path enc = encrypt(Recipients.load(List.of(curve.publicArmored())), data(300_000), dir);
        byte[] b = Files.readAllBytes(enc);
        b[b.length / 2] ^= 0x01;
        Path bad = Files.write(dir.resolve("tampered.gpg"), b);
        assertRefused(bad, "altered or truncated");
        // the stream hands out plaintext first, so only EOF tells: that is why decryptFile writes a partial file
        try (InputStream d = curveKey.decrypt(Files.newInputStream(bad))) {
            assertThatThrownBy(d::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("integrity check (MDC) failed");
        }
    }

    @Test
    void tamperedCompressedFileFromGpgIsRefused() throws IOException {
        Path in = Files.write(dir.resolve("plain-z"), data(100_000));
        Path enc = dir.resolve("gpg-z.gpg");
        GpgKeys.gpgEncrypt(in, enc, curve);
        byte[] b = Files.readAllBytes(enc);
        b[b.length / 2] ^= 0x40;
        assertRefused(Files.write(dir.resolve("tampered-z.gpg"), b), "altered or truncated");
    }

    @Test
    void truncatedFilesAreRefusedAndLeaveNothing() throws IOException {
        byte[] b = Files.readAllBytes(encrypt(Recipients.load(List.of(curve.publicArmored())), data(200_000), dir));
        for (int keep : new int[] {b.length - 1, b.length - 22, b.length / 2, 96 + 2 + 65536, 150, 96, 10}) {
            Path cut = Files.write(dir.resolve("cut-" + keep + ".gpg"), Arrays.copyOf(b, keep));
            assertRefused(cut, keep <= 96 ? "not a readable OpenPGP message" : "altered or truncated");
        }
    }

    @Test
    void wrongKeyIsRefusedAtOnceNamingTheIntendedKeys() throws IOException {
        Path enc = encrypt(Recipients.load(List.of(curve.publicArmored())), data(10_000), dir);
        OpsException e = assertRefused(enc, "the file is encrypted for " + curve.encryptionKeyId() + ", not for the key in " + rsa.secret(),
                rsaKey);
        assertThat(e.getMessage()).contains(rsa.fingerprint(), rsa.encryptionKeyId());
        assertThat(e.hint()).contains("DECRYPT_KEY");
        assertThatThrownBy(() -> rsaKey.decrypt(Files.newInputStream(enc))).isInstanceOf(IOException.class)
                .hasMessageContaining(curve.encryptionKeyId());

        Path hidden = dir.resolve("hidden.gpg");
        GpgKeys.gpgEncrypt(Files.write(dir.resolve("hidden"), data(100)), hidden, List.of("--throw-keyids"), curve);
        assertRefused(hidden, "the file is encrypted for a hidden recipient that is not the key in " + rsa.secret(), rsaKey);
    }

    @Test
    void expiredKeysStillOpenOldBackups() throws IOException {
        Key expired = GpgKeys.expired(dir);
        long whileValid = System.currentTimeMillis() / 1000 - 3 * 86400 + 3600;
        byte[] plain = data(20_000);
        Path enc = dir.resolve("old-backup.gpg");
        GpgKeys.gpgEncrypt(Files.write(dir.resolve("old-backup"), plain), enc, List.of("--faked-system-time", whileValid + "!"), expired);
        Path out = dir.resolve("old-backup.out");
        DecryptionKey.load(expired.secret(), expired.passphrase().toCharArray()).decryptFile(enc, out);
        assertThat(Files.readAllBytes(out)).isEqualTo(plain);
    }

    @Test
    void notOpenPgpInputIsRefused() throws IOException {
        byte[] zstd = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0};
        byte[] garbage = data(5000);
        garbage[0] = (byte) 0x85; // an old-format packet header, then noise
        for (byte[] content : List.of(zstd, garbage, new byte[0], "-----BEGIN PGP MESSAGE-----\n\nnot base64!\n".getBytes())) {
            Path f = Files.write(dir.resolve("garbage-" + content.length), content);
            assertRefused(f, "OpenPGP message");
        }
        assertThatThrownBy(() -> curveKey.decrypt(new ByteArrayInputStream(zstd))).isInstanceOf(IOException.class)
                .hasMessage("not an encrypted OpenPGP message");
        assertThatThrownBy(() -> curveKey.decryptFile(dir.resolve("nope.gpg"), dir.resolve("nope")))
                .isInstanceOfSatisfying(OpsException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE));
    }

    @Test
    void looksEncryptedTellsOpenPgpFromZstdAndGzip() throws IOException {
        Path ours = encrypt(Recipients.load(List.of(curve.publicArmored())), data(10), dir);
        assertThat(DecryptionKey.looksEncrypted(ours)).isTrue();
        assertThat(DecryptionKey.looksEncrypted(Files.writeString(dir.resolve("a.asc"), "\n-----BEGIN PGP MESSAGE-----\n"))).isTrue();
        assertThat(DecryptionKey.looksEncrypted(Files.write(dir.resolve("a.zst"), new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}))).isFalse();
        assertThat(DecryptionKey.looksEncrypted(Files.write(dir.resolve("a.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0}))).isFalse();
        assertThat(DecryptionKey.looksEncrypted(Files.writeString(dir.resolve("a.sql"), "-- PostgreSQL database dump\n"))).isFalse();
        assertThat(DecryptionKey.looksEncrypted(curve.publicArmored())).as("a key is not a message").isFalse();
        assertThat(DecryptionKey.looksEncrypted(Files.write(dir.resolve("zero"), new byte[0]))).isFalse();
        assertThat(DecryptionKey.looksEncrypted(dir.resolve("missing"))).isFalse();
    }

    @Test
    void refusesKeyFilesThatCannotDecrypt() throws IOException {
        Path text = Files.writeString(dir.resolve("not-a-key.txt"), "hello\n");
        record Case(Path file, char[] passphrase, String message, String hint) {}
        for (Case c : List.of(
                new Case(curve.secret(), "wrong".toCharArray(), "in " + curve.secret() + ": wrong passphrase", "DECRYPT_PASSPHRASE"),
                new Case(rsa.secret(), new char[0], "in " + rsa.secret() + ": wrong passphrase", "DECRYPT_PASSPHRASE"),
                new Case(curve.publicArmored(), curve.passphrase().toCharArray(), "holds only the public key " + curve.fingerprint(),
                        "--export-secret-keys --armor " + curve.fingerprint()),
                new Case(dir.resolve("gone.asc"), curve.passphrase().toCharArray(), "secret key file " + dir.resolve("gone.asc") + " not found",
                        "--export-secret-keys"),
                new Case(text, curve.passphrase().toCharArray(), "secret key file " + text + " is not an OpenPGP key file", "--export-secret-keys"))) {
            assertThatThrownBy(() -> DecryptionKey.load(c.file(), c.passphrase())).as(c.file().toString())
                    .isInstanceOfSatisfying(OpsException.class, e -> {
                        System.out.println("  " + e.oneLine());
                        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                        assertThat(e.getMessage()).contains(c.message()).doesNotContain("\n");
                        assertThat(e.hint()).contains(c.hint());
                        assertThat(e.oneLine()).doesNotContain(curve.passphrase()).doesNotContain(rsa.passphrase());
                    });
        }
    }

    private static OpsException assertRefused(Path in, String message) { return assertRefused(in, message, curveKey); }

    /** decryptFile fails with VERIFY_FAILED and leaves neither the output nor its partial file. */
    private static OpsException assertRefused(Path in, String message, DecryptionKey key) {
        Path out = dir.resolve(in.getFileName() + ".out");
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> key.decryptFile(in, out));
        assertThat(t).as(in.getFileName().toString()).isInstanceOf(OpsException.class);
        OpsException e = (OpsException) t;
        System.out.println("  " + in.getFileName() + ": " + e.oneLine());
        assertThat(e.exitCode()).isEqualTo(ExitCode.VERIFY_FAILED);
        assertThat(e.getMessage()).contains(message).doesNotContain("\n");
        assertThat(out).doesNotExist();
        assertThat(lib.SafeFiles.partial(out)).doesNotExist();
        return e;
    }
}
