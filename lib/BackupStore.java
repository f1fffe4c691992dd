package lib;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.*;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.*;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The on-disk layout: {@code BACKUP_DIR/<type>/<db>_<yyyyMMdd'T'HHmmss'Z'>_<type>.dump.zst} with its
 * {@code .globals.sql.zst} and {@code .manifest.json}. Only names matching this pattern are ever
 * listed or deleted. Characters that cannot appear in a file name are %-encoded in {@code <db>}.
 */
public final class BackupStore {
    /** Types a user may ask for; "safety" holds the automatic pre-restore backups. */
    public static final List<String> TYPES = List.of("hourly", "daily", "weekly", "monthly", "yearly", "manual");
    public static final String SAFETY = "safety";
    public static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    static final Pattern NAME = Pattern.compile(
            "(?<db>.+)_(?<ts>\\d{8}T\\d{6}Z)_(?<type>hourly|daily|weekly|monthly|yearly|manual|safety)"
                    + "\\.(?<kind>dump|globals\\.sql|manifest\\.json)(?<ext>\\.zst|\\.gz)?(?<gpg>\\.gpg)?");

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

    /** One backup: its dump file, manifest (null when missing: incomplete or foreign) and parsed name. */
    public record Entry(Path dump, Path manifestFile, Manifest manifest, String db, String type, Instant at) {
        public boolean verified() { return manifest != null && manifest.verified(); }

        public String state() {
            if (manifest == null) return "incomplete (no manifest)";
            String v = manifest.verify() == null ? "unknown" : manifest.verify().status() + " (" + manifest.verify().level() + ")";
            return v + (manifest.encrypted() ? ", encrypted" : "") + (manifest.offsite() != null ? ", off-site" : "");
        }

        public Path globals() {
            return manifest == null || manifest.globalsFile() == null ? null : dump.resolveSibling(manifest.globalsFile());
        }

        /** Every file of this set that exists: dump, globals, manifest. */
        public List<Path> files() {
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
        if (!Files.isDirectory(root)) return out;
        for (String type : allTypes()) {
            Path dir = tierDir(type);
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> files = Files.list(dir)) {
                files.forEach(f -> parse(f).filter(e -> db == null || e.db().equals(db)).ifPresent(out::add));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        out.sort(Comparator.comparing(Entry::at).reversed());
        return out;
    }

    static List<String> allTypes() {
        List<String> t = new ArrayList<>(TYPES);
        t.add(SAFETY);
        return t;
    }

    /** An entry for a dump file following our naming, with its manifest when present. */
    public static Optional<Entry> parse(Path dumpFile) {
        Matcher m = NAME.matcher(dumpFile.getFileName().toString());
        if (!m.matches() || !m.group("kind").equals("dump")) return Optional.empty();
        String base = baseOf(dumpFile.getFileName().toString());
        Path mf = dumpFile.resolveSibling(base + ".manifest.json");
        Manifest manifest = null;
        if (Files.exists(mf)) {
            try { manifest = Manifest.read(mf); } catch (OpsException e) { manifest = null; }
        }
        Instant at = STAMP.parse(m.group("ts"), Instant::from);
        String db = manifest != null ? manifest.database() : decode(m.group("db"));
        return Optional.of(new Entry(dumpFile, Files.exists(mf) ? mf : null, manifest, db, m.group("type"), at));
    }

    /** A file name without its kind and extensions: {@code <db>_<stamp>_<type>}. */
    public static String baseOf(String fileName) {
        return fileName.replaceFirst("\\.(dump|globals\\.sql|manifest\\.json)(\\.zst|\\.gz)?(\\.gpg)?$", "");
    }

    /** The parts of one of our file names (db, ts, type, kind, ext, gpg), or null for anything else. */
    public static Matcher match(String fileName) {
        Matcher m = NAME.matcher(fileName);
        return m.matches() ? m : null;
    }

    /** Deletes temp files (".partial") of {@code db} left by a killed run; call while holding its lock. */
    public List<Path> cleanPartials(String db) {
        List<Path> removed = new ArrayList<>();
        String prefix = encode(db) + "_";
        for (String type : allTypes()) {
            Path dir = tierDir(type);
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(f -> {
                    String n = f.getFileName().toString();
                    return n.startsWith(prefix) && n.endsWith(SafeFiles.PARTIAL)
                            && NAME.matcher(n.substring(0, n.length() - SafeFiles.PARTIAL.length())).matches();
                }).forEach(f -> { SafeFiles.deleteQuietly(f); removed.add(f); });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return removed;
    }

    /** %-encodes characters not allowed in file names on Windows or Linux, and '%' itself. */
    public static String encode(String db) {
        StringBuilder sb = new StringBuilder();
        for (char c : db.toCharArray()) {
            if (c < 32 || "<>:\"/\\|?*%".indexOf(c) >= 0) sb.append(String.format("%%%02X", (int) c));
            else sb.append(c);
        }
        String s = sb.toString();
        if (s.endsWith(".") || s.endsWith(" ")) s = s.substring(0, s.length() - 1) + String.format("%%%02X", (int) s.charAt(s.length() - 1));
        return s;
    }

    public static String decode(String name) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '%' && i + 2 < name.length() + 0 && name.substring(i + 1, Math.min(i + 3, name.length())).matches("[0-9A-F]{2}")) {
                sb.append((char) Integer.parseInt(name.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
