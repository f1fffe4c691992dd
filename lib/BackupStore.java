package lib;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.*;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The on-disk layout: {@code BACKUP_DIR/<type>/<db>_<yyyyMMdd'T'HHmmss'Z'>_<type>.dump.zst} with its
 * {@code .globals.sql.zst} and {@code .manifest.json}. Only names matching this pattern are ever
 * listed or deleted. Characters that cannot appear in a file name are %-encoded in {@code <db>}, so a
 * name of ours never holds a folder separator, and so are cased letters and device names (see {@link #encode}),
 * so names stay apart on case-insensitive NTFS. A manifest is trusted only for its own set: a set whose
 * manifest names another database or any file that is not a plain name of that set is foreign.
 * Volume archives share the tiers as {@code <volume>_<stamp>_<type>.tar.zst} with a {@code .volume.json}
 * manifest: no database file kind ends like that, so neither is ever taken for the other.
 */
public final class BackupStore {
    /** Types a user may ask for; "safety" holds the automatic pre-restore backups. */
    public static final List<String> TYPES = Tier.IDS;
    public static final String SAFETY = "safety";
    public static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    static final Pattern NAME = Pattern.compile(
            "(?<db>.+)_(?<ts>\\d{8}T\\d{6}Z)_(?<type>hourly|daily|weekly|monthly|yearly|manual|safety)"
                    + "\\.(?<kind>dump|globals\\.sql|manifest\\.json)(?<ext>\\.zst|\\.gz)?(?<gpg>\\.gpg)?");

    /** A volume archive or its manifest; volume names are lower-case words joined by '-', never encoded. */
    static final Pattern VOLUME_NAME = Pattern.compile(
            "(?<volume>[a-z][a-z0-9-]*)_(?<ts>\\d{8}T\\d{6}Z)_(?<type>hourly|daily|weekly|monthly|yearly|manual|safety)"
                    + "\\.(?<kind>tar|volume\\.json)(?<ext>\\.zst|\\.gz)?(?<gpg>\\.gpg)?");
    /** Suffix of a volume archive's manifest. */
    public static final String VOLUME_MANIFEST = ".volume.json";

    /** Every suffix a dump file can carry (compression, then encryption). */
    public static final List<String> DUMP_SUFFIXES = List.of(".dump.zst", ".dump.gz", ".dump.zst.gpg", ".dump.gz.gpg");
    private final Path root;

    public BackupStore(Path root) { this.root = root; }

    public Path root() { return root; }

    public Path tierDir(String type) { return root.resolve(type); }

    /** Base name (without the kind suffix) of a new backup set. */
    public static String baseName(String db, String type, Instant at) {
        return encode(db) + "_" + STAMP.format(at) + "_" + type;
    }

    /** Base name (without suffixes) of a new volume archive: {@code <volume>_<stamp>_<type>}. */
    public static String volumeBase(String volume, String type, Instant at) {
        if (!volume.matches("[a-z][a-z0-9-]*")) throw new IllegalArgumentException("volume name " + volume);
        return volume + "_" + STAMP.format(at) + "_" + type;
    }

    /**
     * The first stamp from {@code at} on for which {@code taken} is false; when that is a later second,
     * waits until it has come, so a name never carries a time still ahead (two runs within one second).
     */
    public static Instant freeStamp(Instant at, Predicate<Instant> taken) {
        Instant t = at;
        while (taken.test(t)) t = t.plusSeconds(1);
        long wait = Duration.between(Instant.now(), t).toMillis() + 1;
        if (t.isAfter(at) && wait > 0) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return t;
    }

    /** A volume archive file of ours (any tier, compression, encryption), or null for anything else. */
    public static Matcher matchVolume(String fileName) {
        Matcher m = VOLUME_NAME.matcher(fileName);
        return m.matches() ? m : null;
    }

    /** The manifest that belongs beside a volume archive. */
    public static Path volumeManifest(Path archive) {
        String n = archive.getFileName().toString();
        return archive.resolveSibling(n.substring(0, n.indexOf(".tar")) + VOLUME_MANIFEST);
    }

    /** Archive files of volume {@code volume} (null: every volume) in all tiers, newest first; manifests are not listed. */
    public List<Path> volumeArchives(String volume) {
        List<Path> out = files(n -> {
            Matcher m = matchVolume(n);
            return m != null && m.group("kind").equals("tar") && (volume == null || m.group("volume").equals(volume));
        });
        out.sort(Comparator.comparing((Path f) -> matchVolume(f.getFileName().toString()).group("ts")).reversed());
        return out;
    }

    /**
     * One backup: its dump file, manifest (null when missing, unreadable or foreign) and parsed name; the
     * database is the one its file name says. {@code foreign} says why the manifest beside it was not taken
     * as this set's (null when it was, or when there is none): such a set is never restored, and only its
     * own files, found by their names, are ever deleted.
     */
    public record Entry(Path dump, Path manifestFile, Manifest manifest, String db, String type, Instant at, String foreign)
            implements StoredSet {
        @Override public boolean verified() { return manifest != null && manifest.verified(); }

        @Override public boolean verifyOff() {
            return manifest != null && manifest.verify() != null && "skipped".equals(manifest.verify().status());
        }

        public String state() {
            if (foreign != null) return "foreign (its manifest " + foreign + ")";
            if (manifest == null) return "incomplete (no manifest)";
            String v = manifest.verify() == null ? "unknown" : manifest.verify().status() + " (" + manifest.verify().level() + ")";
            return v + (manifest.encrypted() ? ", encrypted" : "") + (manifest.offsite() != null ? ", off-site" : "");
        }

        public Path globals() {
            return manifest == null || manifest.globalsFile() == null ? null : dump.resolveSibling(manifest.globalsFile());
        }

        /** Every file of this set that exists: dump, globals, manifest. */
        @Override public List<Path> files() {
            List<Path> out = new ArrayList<>(List.of(dump));
            if (globals() != null) out.add(globals());
            if (manifestFile != null) out.add(manifestFile);
            out.removeIf(p -> !Files.exists(p));
            return out;
        }

        public long size() {
            try { return Files.size(dump); } catch (IOException e) { return 0; }
        }
    }

    /** Every backup under the root (all tiers), newest first; {@code db} null means all databases. */
    public List<Entry> list(String db) {
        List<Entry> out = new ArrayList<>();
        for (Path f : files(n -> true)) parse(f).filter(e -> db == null || e.db().equals(db)).ifPresent(out::add);
        out.sort(Comparator.comparing(Entry::at).reversed());
        return out;
    }

    /** Files directly in the tier folders whose name passes {@code accept}. */
    private List<Path> files(Predicate<String> accept) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        for (String type : allTypes()) {
            Path dir = tierDir(type);
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(f -> accept.test(f.getFileName().toString())).forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    static List<String> allTypes() {
        List<String> t = new ArrayList<>(TYPES);
        t.add(SAFETY);
        return t;
    }

    /** An entry for a dump file following our naming, with its manifest when present and its own. */
    public static Optional<Entry> parse(Path dumpFile) {
        Matcher m = match(dumpFile.getFileName().toString());
        if (m == null || !m.group("kind").equals("dump")) return Optional.empty();
        String base = baseOf(dumpFile.getFileName().toString());
        Path mf = dumpFile.resolveSibling(base + ".manifest.json");
        Manifest manifest = null;
        if (Files.exists(mf)) {
            try { manifest = Manifest.read(mf); } catch (OpsException e) { manifest = null; }
        }
        String foreign = manifest == null ? null : foreign(manifest, base);
        Instant at = STAMP.parse(m.group("ts"), Instant::from);
        return Optional.of(new Entry(dumpFile, Files.exists(mf) ? mf : null, foreign == null ? manifest : null, decode(m.group("db")),
                m.group("type"), at, foreign));
    }

    /**
     * Why manifest {@code m}, found under the name of set {@code base}, does not describe that set, or null when
     * it does: its database must be the one the name says, and every file it names (here and off-site) a plain
     * name of that same set, so that no file elsewhere is ever deleted, read or written because a manifest said so.
     */
    public static String foreign(Manifest m, String base) {
        Matcher own = match(base + ".manifest.json");
        if (own == null) return "is under " + base + ", not a name of ours";
        if (m.database() == null || !m.database().equals(decode(own.group("db")))) return "is for database " + m.database();
        if (m.dumpFile() == null) return "names no dump file";
        Manifest.Offsite o = m.offsite();
        String stranger = stranger(base, "dump", m.dumpFile(), o == null ? null : o.dumpFile());
        if (stranger == null) stranger = stranger(base, "globals.sql", m.globalsFile(), o == null ? null : o.globalsFile());
        return stranger == null ? null : "names " + stranger + ", not a file of " + base;
    }

    /** The first of {@code names} (nulls skipped) that is not the {@code kind} file of set {@code base}, or null. */
    private static String stranger(String base, String kind, String... names) {
        for (String n : names) {
            Matcher f = n == null ? null : match(n);
            if (n != null && (f == null || !f.group("kind").equals(kind) || !baseOf(n).equals(base))) return n;
        }
        return null;
    }

    /** A file name without its kind and extensions: {@code <db>_<stamp>_<type>}. */
    public static String baseOf(String fileName) {
        return fileName.replaceFirst("\\.(dump|globals\\.sql|manifest\\.json)(\\.zst|\\.gz)?(\\.gpg)?$", "");
    }

    /**
     * The parts of one of our file names (db, ts, type, kind, ext, gpg), or null for anything else, including a
     * name whose {@code <db>} is not as {@link #encode} writes it, or wrote it in earlier versions (a '/', '\\' or ':'
     * there is never ours).
     */
    public static Matcher match(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) return null;
        String db = decode(m.group("db"));
        return encode(db).equals(m.group("db")) || legacyEncode(db).equals(m.group("db")) ? m : null;
    }

    /** Deletes temp files (".partial") of {@code db} left by a killed run; call while holding its lock. */
    public List<Path> cleanPartials(String db) {
        return deletePartials(n -> {
            Matcher m = match(n);
            return m != null && decode(m.group("db")).equals(db);
        });
    }

    /** Deletes temp files of volume {@code volume} left by a killed run; call while holding its lock. */
    public List<Path> cleanVolumePartials(String volume) {
        return deletePartials(n -> {
            Matcher m = matchVolume(n);
            return m != null && m.group("volume").equals(volume);
        });
    }

    /** Deletes the ".partial" files whose completed name passes {@code ours}. */
    private List<Path> deletePartials(Predicate<String> ours) {
        List<Path> removed = files(n -> n.endsWith(SafeFiles.PARTIAL) && ours.test(n.substring(0, n.length() - SafeFiles.PARTIAL.length())));
        removed.forEach(SafeFiles::deleteQuietly);
        return removed;
    }

    /** Characters not allowed in file names on Windows or Linux, and '%' itself. */
    private static final String FORBIDDEN = "<>:\"/\\|?*%";
    /** Windows device names: as a file name's part before its first dot they open the device, not a file. Checked on Windows: not yet. */
    private static final Pattern DEVICE = Pattern.compile("(?i)(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])(\\..*)?");

    /**
     * A database name as it appears in our file names. %-encoded (UTF-8 bytes): characters not allowed in file
     * names on Windows or Linux, '%' itself, a trailing dot or space, and every upper-case or non-ASCII cased
     * letter, so that names differing only in case ({@code Sales}, {@code sales}) stay apart on case-insensitive
     * NTFS; and the first character of a Windows device name ({@code con}, {@code nul.x}, {@code com1}).
     * {@link #decode} reverses it, also for names written before cased letters and device names were encoded.
     */
    public static String encode(String db) {
        String s = escape(db, c -> c < 32 || FORBIDDEN.indexOf(c) >= 0 || cased(c));
        if (DEVICE.matcher(s).matches()) s = hex(s.codePointAt(0)) + s.substring(Character.charCount(s.codePointAt(0)));
        return s;
    }

    /** The encoding of earlier versions, which kept letters as they were: still read, never written. */
    static String legacyEncode(String db) {
        return escape(db, c -> c < 32 || FORBIDDEN.indexOf(c) >= 0);
    }

    /** A letter that NTFS would fold onto another one: upper-case ASCII, and any non-ASCII letter with a case. */
    private static boolean cased(int c) {
        return c >= 'A' && c <= 'Z' || c > 127 && (Character.toUpperCase(c) != c || Character.toLowerCase(c) != c);
    }

    private static String escape(String db, IntPredicate escaped) {
        StringBuilder sb = new StringBuilder();
        db.codePoints().forEach(c -> sb.append(escaped.test(c) ? hex(c) : Character.toString(c)));
        String s = sb.toString();
        if (s.endsWith(".") || s.endsWith(" ")) s = s.substring(0, s.length() - 1) + hex(s.charAt(s.length() - 1));
        return s;
    }

    /** A character as %XX per byte of its UTF-8 form. */
    private static String hex(int codePoint) {
        StringBuilder sb = new StringBuilder();
        for (byte b : Character.toString(codePoint).getBytes(StandardCharsets.UTF_8)) sb.append(String.format("%%%02X", b & 0xff));
        return sb.toString();
    }

    /** The database name in a file name of ours: each run of %XX is UTF-8 bytes (a stray '%' stays as it is). */
    public static String decode(String name) {
        StringBuilder sb = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) == '%' && i + 3 <= name.length() && name.substring(i + 1, i + 3).matches("[0-9A-F]{2}")) {
                bytes.write(Integer.parseInt(name.substring(i + 1, i + 3), 16));
                i += 2;
                continue;
            }
            sb.append(bytes.toString(StandardCharsets.UTF_8)).append(name.charAt(i));
            bytes.reset();
        }
        return sb.append(bytes.toString(StandardCharsets.UTF_8)).toString();
    }
}
