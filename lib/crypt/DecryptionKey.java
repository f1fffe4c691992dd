package lib.crypt;

import lib.Disk;
import lib.ExitCode;
import lib.OpsException;
import lib.SafeFiles;
import lib.TextFiles;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyRing;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPOnePassSignatureList;
import org.bouncycastle.openpgp.PGPPBEEncryptedData;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.jcajce.JcaPGPObjectFactory;
import org.bouncycastle.openpgp.operator.PBESecretKeyDecryptor;
import org.bouncycastle.openpgp.operator.PublicKeyDataDecryptorFactory;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPDigestCalculatorProviderBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePublicKeyDataDecryptorFactoryBuilder;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Provider;
import java.security.Security;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static lib.crypt.OpenPgp.keyId;
import static lib.crypt.OpenPgp.usage;

/**
 * An unlocked OpenPGP secret key that opens encrypted backups. Every encryption-capable secret
 * (sub)key in the file is unlocked once at load, expired ones included: old backups must still open.
 * Decryption refuses messages without integrity protection, and reports tampering or truncation
 * when the MDC check at the end fails, so callers must not trust plaintext before EOF.
 */
public final class DecryptionKey {
    private static final String ALTERED = "the file was altered or truncated";
    /** SunJCE's AES uses AES-NI; BC's pure-Java AES is several times slower for the bulk data. */
    private static final Provider CONTENT = Security.getProvider("SunJCE");

    private final Path file;
    private final List<String> fingerprints;
    private final Map<Long, PGPPrivateKey> keys;

    private DecryptionKey(Path file, List<String> fingerprints, Map<Long, PGPPrivateKey> keys) {
        this.file = file;
        this.fingerprints = List.copyOf(fingerprints);
        this.keys = keys;
    }

    /** Loads a secret key file (armored or binary, as {@code gpg --export-secret-keys} writes) and unlocks it with the passphrase. */
    public static DecryptionKey load(Path secretKeyFile, char[] passphrase) {
        String hint = "export it with: gpg --output " + secretKeyFile + " --export-secret-keys --armor KEYID";
        List<String> fingerprints = new ArrayList<>();
        Map<Long, PGPPrivateKey> keys = new LinkedHashMap<>();
        boolean stubs = false;
        PBESecretKeyDecryptor unlocker = unlocker(passphrase);
        for (PGPKeyRing ring : OpenPgp.readKeyRings(secretKeyFile, "secret key file", hint)) {
            String fpr = OpenPgp.hex(ring.getPublicKey().getFingerprint());
            if (!(ring instanceof PGPSecretKeyRing secret)) {
                throw usage("secret key file " + secretKeyFile + " holds only the public key " + fpr + ", not its secret key",
                        "export the secret key with: gpg --yes --output " + secretKeyFile + " --export-secret-keys --armor " + fpr);
            }
            fingerprints.add(fpr);
            for (Iterator<PGPSecretKey> it = secret.getSecretKeys(); it.hasNext(); ) {
                PGPSecretKey k = it.next();
                if (!mayDecrypt(k.getPublicKey())) continue;
                if (k.isPrivateKeyEmpty()) {
                    stubs = true;
                    continue;
                }
                keys.put(k.getKeyID(), unlock(k, unlocker, secretKeyFile));
            }
        }
        if (keys.isEmpty()) {
            throw usage("secret key file " + secretKeyFile + " has no secret encryption key"
                    + (stubs ? " (only stubs: the secret parts are missing or on a smartcard)" : ""), hint);
        }
        return new DecryptionKey(secretKeyFile, fingerprints, keys);
    }

    /**
     * A passphrase file's text without its final line break. Windows editors save a UTF-8 byte order mark
     * (Notepad) or UTF-16 with one ("Unicode"): both are read as text, never taken as part of the passphrase.
     * Text that is neither is refused by name, since it would only fail later as a "wrong passphrase".
     */
    public static char[] readPassphrase(Path file) {
        String text = TextFiles.read(file, "DECRYPT_PASSPHRASE_FILE", "check the path and that this user may read it");
        return text.replaceFirst("\\R\\z", "").toCharArray();
    }

    private static PBESecretKeyDecryptor unlocker(char[] passphrase) {
        try {
            return new JcePBESecretKeyDecryptorBuilder(new JcaPGPDigestCalculatorProviderBuilder().build())
                    .setProvider(OpenPgp.BC).build(passphrase);
        } catch (PGPException e) {
            throw new IllegalStateException("OpenPGP provider unavailable", e);
        }
    }

    private static PGPPrivateKey unlock(PGPSecretKey k, PBESecretKeyDecryptor unlocker, Path file) {
        try {
            return k.extractPrivateKey(unlocker);
        } catch (PGPException | RuntimeException e) {
            // the cause names BC's check ("checksum mismatch"), never the passphrase
            throw new OpsException(ExitCode.USAGE, "cannot unlock secret key " + keyId(k.getKeyID()) + " in " + file
                    + ": wrong passphrase", "check DECRYPT_PASSPHRASE or DECRYPT_PASSPHRASE_FILE: it must be the key's passphrase in gpg", e);
        }
    }

    /** Encryption-capable algorithm, and not flagged for signing only (gpg's RSA primary keys are "SC"). */
    private static boolean mayDecrypt(PGPPublicKey key) {
        if (!key.isEncryptionKey()) return false;
        boolean flagged = false;
        for (Iterator<PGPSignature> it = key.getSignatures(); it.hasNext(); ) {
            var hashed = it.next().getHashedSubPackets();
            if (hashed == null || hashed.getKeyFlags() == 0) continue;
            flagged = true;
            if ((hashed.getKeyFlags() & (KeyFlags.ENCRYPT_COMMS | KeyFlags.ENCRYPT_STORAGE)) != 0) return true;
        }
        return !flagged;
    }

    /** Upper-case hex fingerprints of the primary keys in the file, in file order. */
    public List<String> fingerprints() { return fingerprints; }

    /**
     * A decrypting stream over {@code in} (closing it closes {@code in}). Input not encrypted for this
     * key, without integrity protection, or not OpenPGP fails here, before any plaintext. At EOF the
     * MDC is checked; a failure then (or a broken stream earlier) throws an IOException saying the file
     * was altered or truncated.
     */
    public InputStream decrypt(InputStream in) throws IOException {
        var buffered = new BufferedInputStream(in, OpenPgp.BUFFER);
        byte[] head = new byte[64];
        buffered.mark(head.length);
        int n = buffered.readNBytes(head, 0, head.length);
        buffered.reset();
        if (!OpenPgp.startsMessage(head, n)) throw new IOException("not an encrypted OpenPGP message");
        PGPEncryptedDataList list = encryptedDataList(buffered);
        List<String> intended = new ArrayList<>();
        List<PGPPublicKeyEncryptedData> forUs = new ArrayList<>();
        List<PGPPublicKeyEncryptedData> hidden = new ArrayList<>();
        for (PGPEncryptedData d : list) {
            if (d instanceof PGPPBEEncryptedData) intended.add("a passphrase");
            if (!(d instanceof PGPPublicKeyEncryptedData pk)) continue;
            long id = pk.getKeyIdentifier().getKeyId();
            if (pk.getKeyIdentifier().isWildcard()) {
                intended.add("a hidden recipient");
                hidden.add(pk);
            } else {
                intended.add(keyId(id));
                if (keys.containsKey(id)) forUs.add(pk);
            }
        }
        if (forUs.isEmpty() && hidden.isEmpty()) {
            throw new NotForThisKey("the file is encrypted for " + String.join(", ", intended) + ", not for the key in " + file
                    + " (" + String.join(", ", fingerprints) + ", encryption key " + ourKeyIds() + ")");
        }
        return open(forUs, hidden, buffered);
    }

    /** Opens the first session key we can decrypt: those addressed to our key ids, then hidden ones (gpg --throw-keyids). */
    private InputStream open(List<PGPPublicKeyEncryptedData> forUs, List<PGPPublicKeyEncryptedData> hidden, InputStream source)
            throws IOException {
        PGPException failure = null;
        for (PGPPublicKeyEncryptedData data : forUs) {
            try {
                return verified(data, data.getDataStream(decryptor(keys.get(data.getKeyIdentifier().getKeyId()))), source);
            } catch (PGPException e) {
                failure = e;
            }
        }
        for (PGPPublicKeyEncryptedData data : hidden) {
            for (PGPPrivateKey key : keys.values()) {
                if (key.getPublicKeyPacket().getAlgorithm() != data.getAlgorithm()) continue;
                try {
                    return verified(data, data.getDataStream(decryptor(key)), source);
                } catch (PGPException e) {
                    failure = e;
                }
            }
        }
        if (forUs.isEmpty()) throw new NotForThisKey("the file is encrypted for a hidden recipient that is not the key in " + file);
        throw new IOException("cannot decrypt the session key with the key in " + file + ": " + ALTERED + " (" + failure.getMessage() + ")", failure);
    }

    private static PublicKeyDataDecryptorFactory decryptor(PGPPrivateKey key) {
        return new JcePublicKeyDataDecryptorFactoryBuilder().setProvider(OpenPgp.BC)
                .setContentProvider(CONTENT != null ? CONTENT : OpenPgp.BC).build(key);
    }

    private static InputStream verified(PGPPublicKeyEncryptedData data, InputStream clear, InputStream source) throws IOException {
        if (!data.isIntegrityProtected()) {
            throw new IOException("the file has no integrity protection (no MDC), so tampering could not be detected; refusing it");
        }
        return new Verified(literal(new JcaPGPObjectFactory(clear)), data, source);
    }

    /** The message is fine but addressed to other keys: a configuration problem, not a damaged file. */
    private static final class NotForThisKey extends IOException {
        NotForThisKey(String message) { super(message); }
    }

    private String ourKeyIds() {
        return keys.keySet().stream().map(OpenPgp::keyId).collect(Collectors.joining(", "));
    }

    private static PGPEncryptedDataList encryptedDataList(InputStream in) throws IOException {
        Object o;
        try {
            var factory = new JcaPGPObjectFactory(PGPUtil.getDecoderStream(in));
            do o = factory.nextObject(); while (o instanceof PGPMarker);
        } catch (IOException | RuntimeException e) {
            throw new IOException("not a readable OpenPGP message, or truncated (" + e.getMessage() + ")", e);
        }
        if (o instanceof PGPEncryptedDataList list) return list;
        throw new IOException("not an encrypted OpenPGP message" + (o == null ? " (no packets)" : ""));
    }

    /** The literal data inside, unpacking gpg's default compression and skipping a signature header. */
    private static InputStream literal(JcaPGPObjectFactory factory) throws IOException {
        try {
            for (Object o; (o = factory.nextObject()) != null; ) {
                if (o instanceof PGPLiteralData lit) return lit.getDataStream();
                if (o instanceof PGPCompressedData c) factory = new JcaPGPObjectFactory(c.getDataStream());
                else if (!(o instanceof PGPOnePassSignatureList)) throw new IOException("unexpected " + o.getClass().getSimpleName());
            }
            throw new IOException("no data in the message");
        } catch (IOException | PGPException | RuntimeException e) {
            throw new IOException(ALTERED + ": " + e.getMessage(), e);
        }
    }

    /** Passes the plaintext through and runs the MDC check at EOF; after a failure every read fails the same way. */
    private static final class Verified extends InputStream {
        private final InputStream plain;
        private final PGPEncryptedData data;
        private final InputStream source;
        private boolean verified;
        private String failure;

        Verified(InputStream plain, PGPEncryptedData data, InputStream source) {
            this.plain = plain;
            this.data = data;
            this.source = source;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (failure != null) throw new IOException(failure);
            if (verified) return -1;
            int n;
            try {
                n = plain.read(b, off, len);
                if (n == -1) verify();
            } catch (IOException | PGPException | RuntimeException e) {
                if (failure == null) failure = ALTERED + " (" + e.getMessage() + ")";
                throw new IOException(failure, e);
            }
            return n;
        }

        private void verify() throws IOException, PGPException {
            if (!data.verify()) {
                failure = "integrity check (MDC) failed: " + ALTERED;
                throw new IOException(failure);
            }
            verified = true;
        }

        @Override public void close() throws IOException { source.close(); }
    }

    /**
     * Decrypts a whole file: to {@code out}.partial, fsync, integrity check, then an atomic rename to
     * {@code out}. On any failure neither {@code out} nor the partial file exists.
     * @throws OpsException VERIFY_FAILED when the file cannot be decrypted or fails its check
     */
    public void decryptFile(Path in, Path out) {
        if (!Files.isRegularFile(in)) throw new OpsException(ExitCode.USAGE, "encrypted file " + in + " not found", "check the path");
        Path tmp = SafeFiles.partial(out);
        boolean complete = false;
        try (InputStream raw = Files.newInputStream(in); InputStream plain = decrypt(raw); FileChannel ch = create(tmp, out)) {
            byte[] buf = new byte[OpenPgp.BUFFER];
            for (int n; (n = plain.read(buf)) != -1; ) write(ch, ByteBuffer.wrap(buf, 0, n), out);
            sync(ch, out);
            complete = true;
        } catch (IOException e) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "cannot decrypt " + in + ": " + e.getMessage(), e instanceof NotForThisKey
                    ? "set DECRYPT_KEY to the secret key the file was encrypted for (gpg --list-secret-keys --keyid-format long shows key ids)"
                    : "use another copy of this backup (off-site or an older one)", e);
        } finally {
            if (!complete) SafeFiles.deleteQuietly(tmp);
        }
        try {
            SafeFiles.commit(tmp, out);
        } catch (UncheckedIOException e) {
            SafeFiles.deleteQuietly(tmp);
            throw Disk.explain(e.getCause(), out);
        }
    }

    private static FileChannel create(Path tmp, Path out) {
        try {
            return SafeFiles.create(tmp);
        } catch (IOException e) {
            throw Disk.explain(e, out);
        }
    }

    private static void write(FileChannel ch, ByteBuffer buf, Path out) {
        try {
            while (buf.hasRemaining()) ch.write(buf);
        } catch (IOException e) {
            throw Disk.explain(e, out);
        }
    }

    private static void sync(FileChannel ch, Path out) {
        try {
            ch.force(true);
        } catch (IOException e) {
            throw Disk.explain(e, out);
        }
    }

    /** True when the file starts like an OpenPGP message (binary packet tag or "-----BEGIN PGP MESSAGE"), false for zstd/gzip/other. */
    public static boolean looksEncrypted(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = new byte[64];
            return OpenPgp.startsMessage(head, in.readNBytes(head, 0, head.length));
        } catch (IOException e) {
            return false;
        }
    }
}
