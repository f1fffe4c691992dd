package tests;

import lib.ExitCode;
import lib.OpsException;
import lib.crypt.Recipients;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tests.support.GpgKeys;
import tests.support.GpgKeys.Key;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Encryption to public keys exported by the real gpg 2.2, read back by gpg itself. */
class RecipientsTest {
    @TempDir static Path dir;
    static Key rsa;
    static Key curve;

    @BeforeAll
    static void keys() {
        rsa = GpgKeys.sharedRsa();
        curve = GpgKeys.sharedCurve25519();
    }

    /** Random bytes spanning several 64 KB partial packets and ending mid-packet. */
    static byte[] data(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    /** Encrypts {@code plain} with our code to a new file in {@code dir}. */
    static Path encrypt(Recipients r, byte[] plain, Path dir) throws IOException {
        Path f = Files.createTempFile(dir, "ours", ".gpg");
        try (OutputStream out = Files.newOutputStream(f); OutputStream enc = r.encrypt(out)) {
            enc.write(plain);
        }
        return f;
    }

    static Key key(String type) { return type.equals("rsa") ? rsa : curve; }

    static Path file(Key k, String format) { return format.equals("armored") ? k.publicArmored() : k.publicBinary(); }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"rsa, armored", "rsa, binary", "curve25519, armored", "curve25519, binary"})
    void gpgDecryptsWhatWeEncrypt(String type, String format) throws IOException {
        Key k = key(type);
        byte[] plain = data(300_001);
        Path enc = encrypt(Recipients.load(List.of(file(k, format))), plain, dir);
        Path out = dir.resolve("gpg-out-" + type + "-" + format);
        k.gpgDecrypt(enc, out);
        assertThat(Files.readAllBytes(out)).isEqualTo(plain);
    }

    /**
     * What {@code gpg --export --armor KEYID > key.asc} leaves in Windows PowerShell 5.1: gpg's text, CRLF line
     * ends, saved as UTF-16LE with a byte order mark.
     */
    static Path powerShellExport(Path armored, Path dir) throws IOException {
        String text = Files.readString(armored).replace("\r\n", "\n").replace("\n", "\r\n");
        return Files.write(dir.resolve("ps51-" + armored.getFileName()), TextFilesTest.saved(text, "UTF-16LE", "FFFE"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"rsa", "curve25519"})
    void aPublicKeySavedByWindowsPowerShellRedirectionEncryptsForGpg(String type) throws IOException {
        Key k = key(type);
        Path saved = powerShellExport(k.publicArmored(), dir);
        byte[] plain = data(70_001);

        Path enc = encrypt(Recipients.load(List.of(saved)), plain, dir);

        Path out = dir.resolve("gpg-out-ps51-" + type);
        k.gpgDecrypt(enc, out);
        assertThat(Files.readAllBytes(out)).isEqualTo(plain);
    }

    @Test
    void writesAes256WithMdcUncompressedBinaryToTheEncryptionSubkey() throws IOException {
        Path enc = encrypt(Recipients.load(List.of(curve.publicArmored())), data(1000), dir);
        String packets = curve.gpgListPackets(enc);
        System.out.println(packets.lines().filter(l -> !l.startsWith("\t")).toList());
        assertThat(packets).contains("AES256 encrypted data", "mdc_method: 2", ":literal data packet:",
                "pubkey enc packet: version 3, algo 18, keyid " + curve.encryptionKeyId()).doesNotContain("compressed packet");
        assertThat(Files.readAllBytes(enc)[0] & 0x80).as("binary, not armored").isNotZero();
    }

    @Test
    void eachRecipientAloneCanDecrypt() throws IOException {
        byte[] plain = data(70_000);
        Path enc = encrypt(Recipients.load(List.of(rsa.publicArmored(), curve.publicBinary())), plain, dir);
        for (Key k : List.of(rsa, curve)) {
            Path out = dir.resolve("each-" + k.fingerprint());
            k.gpgDecrypt(enc, out);
            assertThat(Files.readAllBytes(out)).isEqualTo(plain);
        }
    }

    @Test
    void emptyInputIsAValidMessage() throws IOException {
        Path enc = encrypt(Recipients.load(List.of(curve.publicArmored())), new byte[0], dir);
        Path out = dir.resolve("empty-out");
        curve.gpgDecrypt(enc, out);
        assertThat(out).isEmptyFile();
    }

    @Test
    void fingerprintsAreThePrimaryKeysAsGpgListsThemInFileOrder() {
        Recipients r = Recipients.load(List.of(curve.publicBinary(), rsa.publicArmored()));
        assertThat(r.fingerprints()).containsExactly(curve.fingerprint(), rsa.fingerprint());
        assertThat(GpgKeys.list(curve.gnupgHome())).contains("fpr:::::::::" + curve.fingerprint() + ":");
        assertThat(r.fingerprints()).doesNotContain(curve.encryptionKeyId());
    }

    @Test
    void severalKeysInOneArmoredFile() throws IOException {
        Path both = dir.resolve("both.asc");
        Files.writeString(both, Files.readString(rsa.publicArmored()) + "\n" + Files.readString(curve.publicArmored()));
        assertThat(Recipients.load(List.of(both)).fingerprints()).containsExactly(rsa.fingerprint(), curve.fingerprint());
    }

    @Test
    void acceptsSha1SelfSignaturesAsGpgDoes() throws IOException {
        Key old = GpgKeys.generate(dir, "rsa2048", "rsa2048", "0", "--cert-digest-algo", "SHA1");
        assertThat(old.gpg("--list-packets", old.publicBinary().toString()).stdout()).contains("digest algo 2,").doesNotContain("digest algo 8,");
        byte[] plain = data(5000);
        Path enc = encrypt(Recipients.load(List.of(old.publicBinary())), plain, dir);
        Path out = dir.resolve("old-out");
        old.gpgDecrypt(enc, out);
        assertThat(Files.readAllBytes(out)).isEqualTo(plain);
    }

    @Test
    void closingFinishesTheMessageButLeavesTheStreamOpen() throws IOException {
        var out = new ByteArrayOutputStream() {
            boolean closed;
            int flushes;
            @Override public void close() { closed = true; }
            @Override public void flush() { flushes++; }
        };
        OutputStream enc = Recipients.load(List.of(curve.publicArmored())).encrypt(out);
        enc.write(data(100));
        enc.close();
        enc.close();
        assertThat(out.closed).isFalse();
        assertThat(out.flushes).isPositive();
        out.write('x'); // still usable
        Path f = dir.resolve("closed.gpg");
        Files.write(f, java.util.Arrays.copyOf(out.toByteArray(), out.size() - 1));
        curve.gpgDecrypt(f, dir.resolve("closed.out"));
        assertThat(Files.readAllBytes(dir.resolve("closed.out"))).isEqualTo(data(100));
    }

    @Test
    void refusesKeysThatCannotBeEncryptedTo() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "just some text\n");
        Path empty = Files.write(dir.resolve("empty.asc"), new byte[0]);
        String armored = Files.readString(rsa.publicArmored());
        Path cut = Files.writeString(dir.resolve("cut.asc"), armored.substring(0, armored.length() / 2));
        Key expired = GpgKeys.expired(dir);
        Key revoked = GpgKeys.revoked(dir);
        Key signOnly = GpgKeys.signOnly(dir);
        record Case(Path file, String message, String hint) {}
        for (Case c : List.of(
                new Case(dir.resolve("missing.asc"), "recipient key file " + dir.resolve("missing.asc") + " not found", "--export --armor"),
                new Case(text, "is not an OpenPGP key file", "gpg --output " + text + " --export --armor KEYID"),
                new Case(empty, "holds no OpenPGP key", "--export --armor"),
                new Case(cut, "is not an OpenPGP key file", "--export --armor"),
                new Case(encrypt(Recipients.load(List.of(rsa.publicArmored())), data(10), dir), "is not an OpenPGP key file (found", "gpg --export"),
                new Case(curve.secret(), "holds the secret key " + curve.fingerprint() + "; encryption needs only the public key",
                        "--export --armor " + curve.fingerprint()),
                new Case(expired.publicArmored(), "key " + expired.fingerprint() + " in " + expired.publicArmored() + " expired on",
                        "gpg --quick-set-expire " + expired.fingerprint()),
                new Case(revoked.publicBinary(), "key " + revoked.fingerprint() + " in " + revoked.publicBinary() + " is revoked", "current key"),
                new Case(signOnly.publicArmored(), "has no encryption subkey", "gpg --quick-add-key " + signOnly.fingerprint() + " cv25519 encr"))) {
            assertThatThrownBy(() -> Recipients.load(List.of(rsa.publicArmored(), c.file())))
                    .as(c.file().toString()).isInstanceOfSatisfying(OpsException.class, e -> {
                        System.out.println("  " + e.oneLine());
                        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                        assertThat(e.getMessage()).contains(c.message()).doesNotContain("\n");
                        assertThat(e.hint()).contains(c.hint());
                    });
        }
        assertThatThrownBy(() -> Recipients.load(List.of())).isInstanceOf(OpsException.class).hasMessageContaining("no recipient key file");
    }
}
