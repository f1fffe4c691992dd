package lib.crypt;

import lib.Config;
import lib.ExitCode;
import lib.OpsException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the settings say about encryption: ENCRYPT_TO (public key files), ENCRYPT ({@code offsite}, the
 * default when keys are set, or {@code all}), and DECRYPT_KEY with its passphrase for reading encrypted
 * backups back. Public keys are loaded at once, so a bad key fails the run before anything is written;
 * the secret key only when a file must be decrypted.
 */
public final class Encryption {
    /** Suffix of every OpenPGP-encrypted file; nothing else ever carries it. */
    public static final String SUFFIX = ".gpg";
    private final Config cfg;
    private final String mode;
    private final Recipients recipients;
    private DecryptionKey key;

    private Encryption(Config cfg, String mode, Recipients recipients) {
        this.cfg = cfg;
        this.mode = mode;
        this.recipients = recipients;
    }

    /** Reads and checks the settings; a mode without keys is a usage error, never a silently plain file. */
    public static Encryption from(Config cfg) {
        List<String> files = cfg.list("ENCRYPT_TO");
        String mode = cfg.get("ENCRYPT");
        if (files.isEmpty()) {
            if (!mode.isEmpty()) {
                throw new OpsException(ExitCode.USAGE, "ENCRYPT=" + mode + " (from " + cfg.source("ENCRYPT") + ") but ENCRYPT_TO names no public key",
                        "set ENCRYPT_TO to the public key file(s) to encrypt for (see README, Encryption), or remove ENCRYPT");
            }
            return new Encryption(cfg, "", null);
        }
        List<Path> paths = files.stream().map(f -> cfg.home().resolve(f).normalize()).toList();
        return new Encryption(cfg, mode.isEmpty() ? "offsite" : mode, Recipients.load(paths));
    }

    /** ENCRYPT=all: the local backup files themselves are encrypted. */
    public boolean local() { return mode.equals("all"); }

    /** Copies that leave the machine are encrypted (ENCRYPT=offsite or all). */
    public boolean offsite() { return recipients != null; }

    public Recipients recipients() { return recipients; }

    /** Fingerprints of the keys files are encrypted to; empty when encryption is off. */
    public List<String> fingerprints() { return recipients == null ? List.of() : recipients.fingerprints(); }

    /** True for names of encrypted files. */
    public static boolean encrypted(String fileName) { return fileName.endsWith(SUFFIX); }

    /** The secret key from DECRYPT_KEY, unlocked with DECRYPT_PASSPHRASE or DECRYPT_PASSPHRASE_FILE; loaded once. */
    public synchronized DecryptionKey key(String what) {
        if (key != null) return key;
        if (cfg.get("DECRYPT_KEY").isBlank()) {
            throw new OpsException(ExitCode.USAGE, what + " is encrypted but DECRYPT_KEY is not set",
                    "set DECRYPT_KEY to the secret key file and DECRYPT_PASSPHRASE_FILE (or DECRYPT_PASSPHRASE) to its passphrase");
        }
        key = DecryptionKey.load(cfg.path("DECRYPT_KEY"), passphrase());
        return key;
    }

    /** Whether a secret key is configured (a full verify of ENCRYPT=all backups needs one). */
    public boolean hasKey() { return !cfg.get("DECRYPT_KEY").isBlank(); }

    private char[] passphrase() {
        String file = cfg.get("DECRYPT_PASSPHRASE_FILE");
        if (file.isBlank()) return cfg.get("DECRYPT_PASSPHRASE").toCharArray();
        return DecryptionKey.readPassphrase(cfg.path("DECRYPT_PASSPHRASE_FILE"));
    }

    /** A stored file's bytes as they were before encryption: decrypted when its name says it is encrypted. */
    public InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20);
        try {
            return decrypting(file.getFileName().toString(), in);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** The stored bytes of file {@code name}, decrypted in the same stream when the name says it is encrypted. */
    public InputStream decrypting(String name, InputStream stored) throws IOException {
        return encrypted(name.replace(lib.SafeFiles.PARTIAL, "")) ? key(name).decrypt(stored) : stored;
    }
}
