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
    public static final int STAMP_BYTES = 16;
    private static final int HASH_HEX = 8;

    private DbName() {}

    /** {@code <db><infix><stamp>}, at most 63 bytes. */
    public static String of(String db, String infix, Instant at) {
        return of(db, infix, at, MAX_BYTES);
    }

    /** {@code <db><infix><stamp>} in at most {@code max} bytes: room for a name generated from it in turn. */
    public static String of(String db, String infix, Instant at, int max) {
        return prefix(db, infix, max) + stamp(at);
    }

    /** The longest {@code db} that {@link #of(String, String, Instant)} keeps whole before {@code infix}. */
    public static int room(String infix) {
        return MAX_BYTES - STAMP_BYTES - bytes(infix);
    }

    /** The stamp part of a generated name. */
    public static String stamp(Instant at) {
        return BackupStore.STAMP.format(at).toLowerCase(java.util.Locale.ROOT);
    }

    /** Everything before the stamp: the same for every run on {@code db}, so leftovers can be recognised. */
    public static String prefix(String db, String infix) {
        return prefix(db, infix, MAX_BYTES);
    }

    /** The prefix of names generated in at most {@code max} bytes. */
    public static String prefix(String db, String infix, int max) {
        int room = max - STAMP_BYTES - bytes(infix);
        if (room < HASH_HEX + 2) throw new IllegalArgumentException("infix too long: " + infix);
        if (bytes(db) <= room) return db + infix;
        String hash = "_" + hash(db);
        return cut(db, room - hash.length()) + hash + infix;
    }

    /** True when {@code name} is exactly a name {@link #of} gives for {@code db} and {@code infix}. */
    public static boolean isOf(String name, String db, String infix) {
        return isOf(name, db, infix, MAX_BYTES);
    }

    /** True when {@code name} is exactly a name {@link #of(String, String, Instant, int)} gives. */
    public static boolean isOf(String name, String db, String infix, int max) {
        String p = prefix(db, infix, max);
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
