package tests.support;

import lib.Proc;
import lib.SafeFiles;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Throwaway OpenPGP keys made by the real {@code gpg} in their own GNUPGHOME (a temp dir removed at
 * exit), exported into the caller's dir the way a user would (public armored and binary, secret
 * armored), plus gpg's own encrypt and decrypt to check interoperability. Passphrases reach gpg on
 * stdin (loopback pinentry), never in argv. The gpg-agent a command starts is stopped after it, so
 * tests leave no daemons behind.
 */
public final class GpgKeys {
    /** Where gpg is; GPG=/path overrides. */
    public static final String GPG = System.getenv().getOrDefault("GPG", "gpg");
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final AtomicInteger SEQ = new AtomicInteger();

    private static Path sharedDir;
    private static Key sharedRsa;
    private static Key sharedCurve25519;

    private GpgKeys() {}

    /** One {@link #rsa} key per test run, for tests that only use it (made on first use, deleted at exit). */
    public static synchronized Key sharedRsa() {
        if (sharedRsa == null) sharedRsa = rsa(sharedDir());
        return sharedRsa;
    }

    /** One {@link #curve25519} key per test run, for tests that only use it (made on first use, deleted at exit). */
    public static synchronized Key sharedCurve25519() {
        if (sharedCurve25519 == null) sharedCurve25519 = curve25519(sharedDir());
        return sharedCurve25519;
    }

    private static Path sharedDir() {
        if (sharedDir == null) {
            try {
                sharedDir = Files.createTempDirectory("gpgkeys");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path d = sharedDir;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> SafeFiles.deleteTree(d)));
        }
        return sharedDir;
    }

    /** A key made by gpg and the files it was exported to. {@code encryptionKeyId} is the long id of its encryption subkey (or null). */
    public record Key(Path gnupgHome, String fingerprint, String encryptionKeyId, String passphrase,
                      Path publicArmored, Path publicBinary, Path secret) {

        /** Decrypts with real gpg and this key's secret key; fails the test with gpg's message when gpg refuses. */
        public void gpgDecrypt(Path in, Path out) {
            Proc.Result r = tryGpgDecrypt(in, out);
            if (!r.ok()) throw new AssertionError("gpg --decrypt failed: " + r.stderr());
        }

        /** Decrypts with real gpg; the result says whether gpg accepted the file. */
        public Proc.Result tryGpgDecrypt(Path in, Path out) {
            return gpg("--output", out.toString(), "--decrypt", in.toString());
        }

        /** gpg -v --list-packets with this key's secret key: how gpg sees the message (cipher, MDC, inner packets). */
        public String gpgListPackets(Path in) {
            Proc.Result r = gpg("--verbose", "--list-packets", in.toString());
            return r.stdout() + r.stderr();
        }

        /** Runs gpg on this key's home with {@code args}, the passphrase on stdin (loopback pinentry), and stops the agent after it. */
        public Proc.Result gpg(String... args) {
            return GpgKeys.gpg(gnupgHome, passphrase, concat(List.of("--pinentry-mode", "loopback", "--passphrase-fd", "0"), args));
        }
    }

    /** RSA 3072 primary (sign, certify) with an RSA 3072 encryption subkey, protected by a passphrase. */
    public static Key rsa(Path dir) { return generate(dir, "rsa3072", "rsa3072", "0"); }

    /** Ed25519 primary (sign, certify) with a Curve25519 (cv25519 ECDH) encryption subkey, protected by a passphrase. */
    public static Key curve25519(Path dir) { return generate(dir, "ed25519", "cv25519", "0"); }

    /** An Ed25519 key without any encryption subkey. */
    public static Key signOnly(Path dir) { return generate(dir, "ed25519", null, "0"); }

    /** A Curve25519 key made three days ago that expired a day later (gpg's --faked-system-time). */
    public static Key expired(Path dir) {
        long threeDaysAgo = System.currentTimeMillis() / 1000 - 3 * 86400;
        return generate(dir, "ed25519", "cv25519", "1d", "--faked-system-time", threeDaysAgo + "!");
    }

    /** A Curve25519 key with gpg's own revocation certificate imported, exported again (revoked). */
    public static Key revoked(Path dir) {
        Key k = curve25519(dir);
        try {
            Path rev = k.gnupgHome().resolve("openpgp-revocs.d").resolve(k.fingerprint() + ".rev");
            // gpg prefixes the armor line with ':' so that an accidental import does nothing
            Path cert = k.gnupgHome().resolve("revocation.asc");
            Files.writeString(cert, Files.readString(rev).replace(":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----"));
            check(k.gpg("--import", cert.toString()), "import revocation");
            check(k.gpg("--armor", "--output", k.publicArmored().toString(), "--yes", "--export", k.fingerprint()), "export");
            check(k.gpg("--output", k.publicBinary().toString(), "--yes", "--export", k.fingerprint()), "export");
            return k;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A key as {@code gpg --quick-gen-key} makes it: {@code primary} algorithm (sign, certify), an encryption
     * subkey of algorithm {@code sub} (none when null), both expiring after {@code expire} ("0": never),
     * with extra gpg options for generation (e.g. {@code --cert-digest-algo SHA1}).
     */
    public static Key generate(Path dir, String primary, String sub, String expire, String... gpgOptions) {
        try {
            int n = SEQ.incrementAndGet();
            // in the system temp dir whatever dir is: gpg-agent's socket path must fit in 108 bytes
            Path home = Files.createTempDirectory("gpg", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> SafeFiles.deleteTree(home)));
            String passphrase = "pass phrase " + n + " ü'\"$";
            String uid = "Test " + primary + " " + n + " <test" + n + "@example.invalid>";
            List<String> unlock = new ArrayList<>(List.of(gpgOptions));
            unlock.addAll(List.of("--pinentry-mode", "loopback", "--passphrase-fd", "0"));
            check(gpg(home, passphrase, concat(unlock, "--quick-gen-key", uid, primary, "sign,cert", expire)), "key generation");
            String fpr = field(list(home), "fpr", 0);
            if (sub != null) check(gpg(home, passphrase, concat(unlock, "--quick-add-key", fpr, sub, "encr", expire)), "subkey generation");
            String encId = sub == null ? null : field(list(home), "sub", 0);
            Path pubAsc = dir.resolve("key" + n + ".asc");
            Path pubBin = dir.resolve("key" + n + ".gpg");
            Path secret = dir.resolve("key" + n + ".secret.asc");
            check(gpg(home, null, "--armor", "--output", pubAsc.toString(), "--export", fpr), "export");
            check(gpg(home, null, "--output", pubBin.toString(), "--export", fpr), "export");
            check(gpg(home, passphrase, concat(unlock, "--armor", "--output", secret.toString(), "--export-secret-keys", fpr)), "secret export");
            return new Key(home, fpr, encId, passphrase, pubAsc, pubBin, secret);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** gpg --encrypt to {@code to} with gpg's defaults (compression included), --trust-model always, key files via --recipient-file. */
    public static void gpgEncrypt(Path in, Path out, Key... to) { gpgEncrypt(in, out, List.of(), to); }

    /** gpg --encrypt to {@code to} with extra options, e.g. {@code --compress-algo none} or {@code --armor}. */
    public static void gpgEncrypt(Path in, Path out, List<String> options, Key... to) {
        List<String> args = new ArrayList<>(List.of("--trust-model", "always", "--output", out.toString(), "--yes"));
        args.addAll(options);
        for (Key k : to) args.addAll(List.of("--recipient-file", k.publicArmored().toString()));
        args.addAll(List.of("--encrypt", in.toString()));
        check(gpg(to[0].gnupgHome(), null, args.toArray(String[]::new)), "gpg --encrypt");
    }

    /** {@code gpg --with-colons --list-keys} of this home: what gpg itself says about its keys. */
    public static String list(Path home) {
        return check(gpg(home, null, "--with-colons", "--list-keys"), "list keys").stdout();
    }

    /** Field 5 (key id) of the n-th "pub"/"sub" line or field 10 of the n-th "fpr" line in colon output. */
    private static String field(String colons, String type, int n) {
        return colons.lines().filter(l -> l.startsWith(type + ":")).skip(n).findFirst()
                .map(l -> l.split(":", -1)[type.equals("fpr") ? 9 : 4])
                .orElseThrow(() -> new AssertionError("no " + type + " line in: " + colons));
    }

    private static Proc.Result gpg(Path home, String stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of(GPG, "--homedir", home.toString(), "--batch", "--no-tty", "--quiet"));
        cmd.addAll(List.of(args));
        try {
            return Proc.run(cmd, Map.of(), TIMEOUT,
                    stdin == null ? null : new ByteArrayInputStream((stdin + "\n").getBytes(StandardCharsets.UTF_8)), null);
        } finally {
            Proc.run(List.of("gpgconf", "--homedir", home.toString(), "--kill", "gpg-agent"), Map.of(), TIMEOUT);
        }
    }

    private static Proc.Result check(Proc.Result r, String what) {
        if (!r.ok()) throw new AssertionError(what + " with gpg failed: " + r.stderr());
        return r;
    }

    private static String[] concat(List<String> first, String... rest) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }
}
