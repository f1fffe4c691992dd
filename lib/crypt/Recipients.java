package lib.crypt;

import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyRing;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.api.OpenPGPCertificate.OpenPGPComponentKey;
import org.bouncycastle.openpgp.api.OpenPGPDefaultPolicy;
import org.bouncycastle.openpgp.api.OpenPGPPolicy;
import org.bouncycastle.openpgp.api.jcajce.JcaOpenPGPImplementation;
import org.bouncycastle.openpgp.operator.jcajce.JcePGPDataEncryptorBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcePublicKeyKeyEncryptionMethodGenerator;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;

import static lib.crypt.OpenPgp.usage;

/**
 * The OpenPGP public keys backups are encrypted to. Each key must be valid now (signatures checked,
 * not expired, not revoked) and have an encryption subkey; the newest valid one is used, as gpg does.
 * Messages are what gpg 2.2 reads: AES-256, integrity-protected (SEIPD v1 with MDC), uncompressed
 * (the input is already zstd), binary.
 */
public final class Recipients {
    private static final JcaOpenPGPImplementation IMPL = new JcaOpenPGPImplementation(OpenPgp.BC, OpenPgp.RANDOM);
    /** BC's defaults, but SHA-1 self-signatures count, as in gpg 2.2: many long-lived keys still carry them. */
    private static final OpenPGPPolicy POLICY = new OpenPGPDefaultPolicy().acceptCertificationSignatureHashAlgorithm(HashAlgorithmTags.SHA1);

    private final List<String> fingerprints;
    private final List<PGPPublicKey> encryptionKeys;

    private Recipients(List<String> fingerprints, List<PGPPublicKey> encryptionKeys) {
        this.fingerprints = List.copyOf(fingerprints);
        this.encryptionKeys = List.copyOf(encryptionKeys);
    }

    /** Loads OpenPGP public keys (armored or binary; RSA and Curve25519/ECDH) from files; picks each key's valid encryption (sub)key. */
    public static Recipients load(List<Path> keyFiles) {
        if (keyFiles.isEmpty()) throw usage("no recipient key file given", "export a public key with: gpg --output key.asc --export --armor KEYID");
        List<String> fingerprints = new ArrayList<>();
        List<PGPPublicKey> keys = new ArrayList<>();
        Date now = new Date();
        for (Path file : keyFiles) {
            String hint = "export it with: gpg --output " + file + " --export --armor KEYID";
            for (PGPKeyRing ring : OpenPgp.readKeyRings(file, "recipient key file", hint)) {
                String fpr = OpenPgp.hex(ring.getPublicKey().getFingerprint());
                if (ring instanceof PGPSecretKeyRing) {
                    throw usage("recipient key file " + file + " holds the secret key " + fpr + "; encryption needs only the public key",
                            "export the public key with: gpg --yes --output " + file + " --export --armor " + fpr
                                    + ", and keep the secret key off this server");
                }
                keys.add(encryptionKey(new OpenPGPCertificate(ring, IMPL, POLICY), fpr, file, now));
                fingerprints.add(fpr);
            }
        }
        return new Recipients(fingerprints, keys);
    }

    private static PGPPublicKey encryptionKey(OpenPGPCertificate cert, String fpr, Path file, Date now) {
        return cert.getEncryptionKeys(now).stream()
                .max(Comparator.comparing(OpenPGPComponentKey::getCreationTime))
                .map(OpenPGPComponentKey::getPGPPublicKey)
                .orElseThrow(() -> unusable(cert, fpr, file, now));
    }

    /** Why a key has no usable encryption key, in the words gpg uses, with the gpg command that fixes it. */
    private static RuntimeException unusable(OpenPGPCertificate cert, String fpr, Path file, Date now) {
        String key = "key " + fpr + " in " + file;
        String reexport = ", then export it again: gpg --yes --output " + file + " --export --armor " + fpr;
        var primary = cert.getPrimaryKey();
        if (primary.getRevocation(now) != null) {
            return usage(key + " is revoked", "encrypt to a current key: gpg --yes --output " + file + " --export --armor NEWKEYID");
        }
        Date expired = primary.getKeyExpirationDateAt(now);
        if (expired != null && !expired.after(now)) {
            return usage(key + " expired on " + day(expired), "extend it with: gpg --quick-set-expire " + fpr + " 2y" + reexport);
        }
        if (!primary.isBoundAt(now)) {
            return usage(key + " has no valid self-signature", "check it with: gpg --check-sigs " + fpr);
        }
        List<OpenPGPComponentKey> encryptionCapable = cert.getKeys().stream()
                .filter(k -> k.getPGPPublicKey().isEncryptionKey() && !k.isPrimaryKey()).toList();
        if (encryptionCapable.isEmpty()) {
            return usage(key + " has no encryption subkey", "add one with: gpg --quick-add-key " + fpr + " cv25519 encr" + reexport);
        }
        return usage(key + " has no valid encryption subkey (expired or revoked)",
                "extend it with: gpg --quick-set-expire " + fpr + " 2y '*' (or add one: gpg --quick-add-key " + fpr
                        + " cv25519 encr)" + reexport);
    }

    private static String day(Date d) { return d.toInstant().atOffset(ZoneOffset.UTC).toLocalDate().toString(); }

    /** Upper-case hex v4 fingerprints of the PRIMARY keys (as {@code gpg --with-colons --list-keys} shows in fpr), in file order. */
    public List<String> fingerprints() { return fingerprints; }

    /**
     * Starts an OpenPGP message to all recipients over {@code out}: AES-256, integrity-protected
     * (MDC / SEIPD v1, what gpg 2.2 reads), no OpenPGP compression, binary. Closing the returned
     * stream finishes the message and flushes {@code out} but does not close it.
     */
    public OutputStream encrypt(OutputStream out) throws IOException {
        var generator = new PGPEncryptedDataGenerator(new JcePGPDataEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256)
                .setWithIntegrityPacket(true).setSecureRandom(OpenPgp.RANDOM));
        for (PGPPublicKey k : encryptionKeys) {
            generator.addMethod(new JcePublicKeyKeyEncryptionMethodGenerator(k).setProvider(OpenPgp.BC).setSecureRandom(OpenPgp.RANDOM));
        }
        OutputStream encrypted;
        try {
            encrypted = generator.open(new KeepOpen(out), new byte[OpenPgp.BUFFER]);
        } catch (PGPException e) {
            throw new IOException("cannot start the encrypted message: " + e.getMessage(), e);
        }
        var literal = new PGPLiteralDataGenerator();
        OutputStream body = literal.open(encrypted, PGPLiteralData.BINARY, "", new Date(), new byte[OpenPgp.BUFFER]);
        return new Message(body, literal, generator, out);
    }

    /** The plaintext side of a message: closing it writes the remaining packets and the MDC. */
    private static final class Message extends OutputStream {
        private final OutputStream body;
        private final PGPLiteralDataGenerator literal;
        private final PGPEncryptedDataGenerator encrypted;
        private final OutputStream out;
        private boolean closed;

        Message(OutputStream body, PGPLiteralDataGenerator literal, PGPEncryptedDataGenerator encrypted, OutputStream out) {
            this.body = body;
            this.literal = literal;
            this.encrypted = encrypted;
            this.out = out;
        }

        @Override public void write(int b) throws IOException { body.write(b); }

        @Override public void write(byte[] b, int off, int len) throws IOException { body.write(b, off, len); }

        /** Only flushes {@code out}: an OpenPGP packet cannot be cut short, so buffered bytes stay until close. */
        @Override public void flush() throws IOException { out.flush(); }

        @Override
        public void close() throws IOException {
            if (closed) return;
            closed = true;
            literal.close();
            encrypted.close();
            out.flush();
        }
    }

    /** Shields the caller's stream from BC's generators closing it. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) { super(out); }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }

        @Override public void close() throws IOException { out.flush(); }
    }
}
