package lib;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Names of the databases the kit creates beside a database ({@code <db><infix><stamp>}: verify, restoring,
 * before_restore, drill). PostgreSQL silently cuts identifiers to 63 bytes, which would turn such a name back
 * into {@code <db>} itself; so a base that does not fit is cut at a character boundary and followed by a hash
 * of the whole name, which keeps names of different databases apart. The stamp keeps runs apart.
 */
public final class DbName {
    /** PostgreSQL's NAMEDATALEN - 1. */
    public static final int MAX_BYTES = 63;
    /** {@code yyyymmddthhmmssz}, lower case (as PostgreSQL would fold it anyway if unquoted). */
    static final int STAMP_BYTES = 16;
    private static final int HASH_HEX = 8;

    private DbName() {}

    /** {@code <db><infix><stamp>}, at most 63 bytes. */
    public static String of(String db, String infix, Instant at) {
        return prefix(db, infix) + stamp(at);
    }

    /** The stamp part of a generated name. */
    public static String stamp(Instant at) {
        return BackupStore.STAMP.format(at).toLowerCase(java.util.Locale.ROOT);
    }

    /** Everything before the stamp: the same for every run on {@code db}, so leftovers can be recognised. */
    public static String prefix(String db, String infix) {
        int room = MAX_BYTES - STAMP_BYTES - bytes(infix);
        if (room < HASH_HEX + 2) throw new IllegalArgumentException("infix too long: " + infix);
        if (bytes(db) <= room) return db + infix;
        String hash = "_" + hash(db);
        return cut(db, room - hash.length()) + hash + infix;
    }

    /** True when {@code name} is exactly a name {@link #of} gives for {@code db} and {@code infix}. */
    public static boolean isOf(String name, String db, String infix) {
        String p = prefix(db, infix);
        return name.startsWith(p) && name.substring(p.length()).matches("[0-9]{8}t[0-9]{6}z");
    }

    /** Length in bytes as PostgreSQL counts it (UTF-8 server encoding). */
    public static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The longest start of {@code s} that fits in {@code max} bytes without splitting a character. */
    static String cut(String s, int max) {
        StringBuilder out = new StringBuilder();
        int used = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = bytes(new String(Character.toChars(cp)));
            if (used + n > max) break;
            out.appendCodePoint(cp);
            used += n;
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    private static String hash(String db) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(db.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, HASH_HEX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
