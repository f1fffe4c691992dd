package lib.crypt;

import lib.ExitCode;
import lib.OpsException;
import lib.TextFiles;
import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openpgp.PGPKeyRing;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.jcajce.JcaPGPObjectFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Provider;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What {@link Recipients} and {@link DecryptionKey} share: the provider for the public-key steps,
 * reading key files as gpg exports them, and how keys are named in messages.
 * BC serves the public-key steps only; the bulk cipher and digests stay the JDK's (SunJCE's AES uses
 * AES-NI, several times faster than BC's Java AES), so BC is never registered globally (Security.addProvider).
 */
final class OpenPgp {
    /** Partial-packet and copy buffer size: large, so per-packet overhead vanishes. */
    static final int BUFFER = 1 << 16;
    static final Provider BC = new BouncyCastleProvider();
    static final SecureRandom RANDOM = new SecureRandom();
    private static final String ARMOR = "-----BEGIN PGP ";
    private static final String ARMORED_MESSAGE = "-----BEGIN PGP MESSAGE";
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private OpenPgp() {}

    /**
     * Every key or certificate in a file, armored (one or several blocks) or binary.
     * @param role what the file is for, as the message names it ("recipient key file")
     * @param hint how to produce a good file, shown with every error
     */
    static List<PGPKeyRing> readKeyRings(Path file, String role, String hint) {
        byte[] data = TextFiles.bytes(file, role, hint);
        // gpg's armor as Windows PowerShell 5.1's ">" saves it: UTF-16 with a byte order mark
        if (TextFiles.unicodeText(data)) data = TextFiles.decode(data, file, role).getBytes(StandardCharsets.UTF_8);
        List<PGPKeyRing> rings = new ArrayList<>();
        try {
            for (InputStream block : blocks(data)) {
                var factory = new JcaPGPObjectFactory(block);
                for (Object o; (o = factory.nextObject()) != null; ) {
                    if (o instanceof PGPKeyRing ring) rings.add(ring);
                    else if (!(o instanceof PGPMarker)) throw new IOException("found " + o.getClass().getSimpleName() + " instead of a key");
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new OpsException(ExitCode.USAGE, role + " " + file + " is not an OpenPGP key file (" + e.getMessage() + ")", hint, e);
        }
        if (rings.isEmpty()) throw usage(role + " " + file + " holds no OpenPGP key", hint);
        return rings;
    }

    /** The armored blocks of a text file, each decoded, or the binary file as one stream. */
    private static List<InputStream> blocks(byte[] data) throws IOException {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        int at = text.indexOf(ARMOR);
        if (at < 0) return List.of(new ByteArrayInputStream(data));
        List<InputStream> blocks = new ArrayList<>();
        while (at >= 0) {
            int end = text.indexOf("-----END PGP ", at);
            int next = text.indexOf(ARMOR, end < 0 ? at + 1 : end);
            int stop = next < 0 ? data.length : next;
            blocks.add(new ArmoredInputStream(new ByteArrayInputStream(data, at, stop - at)));
            at = next;
        }
        return blocks;
    }

    /**
     * True when these first bytes start an encrypted OpenPGP message: a public-key or passphrase
     * session-key packet or a marker packet (binary, old or new packet format), or ASCII armor.
     */
    static boolean startsMessage(byte[] head, int n) {
        if (n <= 0) return false;
        int b = head[0] & 0xff;
        if ((b & 0x80) != 0) {
            int tag = (b & 0x40) != 0 ? b & 0x3f : (b >> 2) & 0x0f;
            return tag == 1 || tag == 3 || tag == 10;
        }
        return new String(head, 0, n, StandardCharsets.ISO_8859_1).stripLeading().startsWith(ARMORED_MESSAGE);
    }

    static String hex(byte[] fingerprint) { return HEX.formatHex(fingerprint); }

    /** A 64-bit key id as {@code gpg --keyid-format long} shows it. */
    static String keyId(long id) { return HEX.toHexDigits(id); }

    static OpsException usage(String message, String hint) { return new OpsException(ExitCode.USAGE, message, hint); }
}
