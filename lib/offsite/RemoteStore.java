package lib.offsite;

import lib.BackupStore;
import lib.ExitCode;
import lib.Manifest;
import lib.OpsException;
import lib.SafeFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.*;
import java.util.regex.Matcher;

/**
 * The layout on the remote, mirroring the local one: {@code REMOTE/<type>/<db>_<stamp>_<type>.dump.zst[.gpg]}
 * with its globals and manifest. A set is complete only when its manifest is there: the manifest is
 * uploaded last, after the data files were checked. Only names of this pattern are ever listed or deleted,
 * and a manifest is trusted only for its own set, as locally ({@link BackupStore#foreign}): nothing a remote
 * holds can make a download land outside the folder it is fetched into.
 */
public final class RemoteStore {
    /**
     * One backup set on the remote; {@code manifest} null means incomplete (an upload that never finished) or
     * foreign ({@code foreign} says why its manifest was not taken as the set's): never restored from.
     */
    public record RemoteSet(String db, String type, Instant at, String base, Manifest manifest, List<Rclone.RemoteFile> files,
                            String foreign) {
        /** A set whose manifest, if any, is its own. */
        public RemoteSet(String db, String type, Instant at, String base, Manifest manifest, List<Rclone.RemoteFile> files) {
            this(db, type, at, base, manifest, files, null);
        }

        public boolean complete() { return manifest != null; }

        public boolean verified() { return manifest != null && manifest.verified(); }

        public boolean encrypted() {
            return manifest != null && manifest.offsite() != null && manifest.offsite().encryptedFor() != null
                    || files.stream().anyMatch(f -> f.path().endsWith(".gpg"));
        }

        /** The dump file's size on the remote (0 when it is missing). */
        public long size() {
            return files.stream().filter(f -> name(f).contains(".dump")).mapToLong(Rclone.RemoteFile::size).findFirst().orElse(0);
        }

        public String state() {
            if (foreign != null) return "foreign (its manifest " + foreign + ")";
            if (manifest == null) return "incomplete (no manifest)";
            String v = manifest.verify() == null ? "unknown" : manifest.verify().status() + " (" + manifest.verify().level() + ")";
            return v + (encrypted() ? ", encrypted" : "");
        }

        /** Relative paths of the set's files, manifest first (the order they are deleted in). */
        List<String> paths() {
            List<String> out = new ArrayList<>();
            files.stream().filter(f -> f.path().endsWith(".manifest.json")).forEach(f -> out.add(f.path()));
            files.stream().filter(f -> !f.path().endsWith(".manifest.json")).forEach(f -> out.add(f.path()));
            return out;
        }

        private static String name(Rclone.RemoteFile f) { return f.path().substring(f.path().lastIndexOf('/') + 1); }
    }

    private final Rclone rclone;
    private final String remote;

    public RemoteStore(Rclone rclone, String remote) {
        this.rclone = rclone;
        this.remote = remote;
    }

    public String remote() { return remote; }

    /** Every set on the remote (of {@code db}, or all when null), newest first, with manifests read in one call. */
    public List<RemoteSet> list(String db) {
        Map<String, List<Rclone.RemoteFile>> byBase = new TreeMap<>();
        for (Rclone.RemoteFile f : rclone.list(remote)) {
            String[] parts = f.path().split("/");
            if (parts.length != 2) continue;
            Matcher m = BackupStore.match(parts[1]);
            if (m == null || !m.group("type").equals(parts[0])) continue;
            byBase.computeIfAbsent(parts[0] + "/" + BackupStore.baseOf(parts[1]), k -> new ArrayList<>()).add(f);
        }
        Map<String, Manifest> manifests = byBase.isEmpty() ? Map.of() : manifests();
        List<RemoteSet> out = new ArrayList<>();
        byBase.forEach((key, files) -> {
            String type = key.substring(0, key.indexOf('/'));
            String base = key.substring(key.indexOf('/') + 1);
            Matcher m = BackupStore.match(files.get(0).path().substring(type.length() + 1));
            Manifest manifest = manifests.get(key);
            String foreign = manifest == null ? null : BackupStore.foreign(manifest, base);
            String name = BackupStore.decode(m.group("db"));
            if (db != null && !db.equals(name)) return;
            Instant at = BackupStore.STAMP.parse(m.group("ts"), Instant::from);
            out.add(new RemoteSet(name, type, at, base, foreign == null ? manifest : null, List.copyOf(files), foreign));
        });
        out.sort(Comparator.comparing(RemoteSet::at).reversed());
        return out;
    }

    /** All manifests on the remote, keyed {@code <type>/<base>}; unreadable ones count as missing. */
    private Map<String, Manifest> manifests() {
        Path tmp = tempDir("ra-manifests");
        try {
            Map<String, Manifest> out = new HashMap<>();
            for (Path f : rclone.fetchAll(remote, ".manifest.json", tmp)) {
                String rel = tmp.relativize(f).toString().replace('\\', '/');
                try {
                    out.put(rel.replaceFirst("\\.manifest\\.json$", ""), Manifest.read(f));
                } catch (OpsException e) {
                    // a damaged manifest leaves its set incomplete: never restored from, removed by retention
                }
            }
            return out;
        } finally {
            SafeFiles.deleteTree(tmp);
        }
    }

    /**
     * The set to restore: the one a file name (or path, or base name) names, else the newest complete, verified
     * set of {@code db} (of a type, taken on a UTC date); safety sets only when asked for by type.
     */
    public RemoteSet choose(String file, String db, String type, java.time.LocalDate date) {
        List<RemoteSet> all = list(file != null ? null : db);
        if (file != null) {
            String base = BackupStore.baseOf(file.substring(file.replace('\\', '/').lastIndexOf('/') + 1));
            RemoteSet s = all.stream().filter(x -> x.base().equals(base)).findFirst().orElseThrow(() -> new OpsException(ExitCode.USAGE,
                    "no backup named " + base + " on " + remote, "list the remote with: " + lib.Launcher.command("backup.java --list --remote")));
            if (s.foreign() != null) throw foreign(s.base(), s.foreign());
            if (!s.complete()) {
                throw new OpsException(ExitCode.VERIFY_FAILED, "the backup " + base + " on " + remote + " is incomplete (its upload never finished)",
                        "use another backup (--list --remote), or send it again with " + lib.Launcher.command("backup.java --upload-pending"));
            }
            return s;
        }
        return all.stream().filter(RemoteSet::verified)
                .filter(s -> type != null ? s.type().equals(type) : !s.type().equals(BackupStore.SAFETY))
                .filter(s -> date == null || java.time.LocalDate.ofInstant(s.at(), java.time.ZoneOffset.UTC).equals(date))
                .findFirst().orElseThrow(() -> new OpsException(ExitCode.USAGE, "no verified backup of " + db
                        + (type != null ? " of type " + type : "") + (date != null ? " taken on " + date : "") + " on " + remote,
                        "list the remote with: " + lib.Launcher.command("backup.java --list --remote")));
    }

    private OpsException foreign(String base, String why) {
        return new OpsException(ExitCode.VERIFY_FAILED, "the backup " + base + " on " + remote + " is foreign (its manifest " + why
                + "); it is not restored",
                "restore another backup (--list --remote), and find out who wrote that manifest");
    }

    /** Deletes a set, manifest first, so a half-deleted set never looks complete. */
    public void delete(RemoteSet s) {
        for (String p : s.paths()) rclone.deleteFile(Rclone.join(remote, p));
    }

    /**
     * Downloads a complete set into {@code dir} and makes it a local backup set: every file is checked against
     * the manifest's sha256; files encrypted for the trip are decrypted (to a temp name, renamed after the
     * integrity check) and checked again against the original hashes.
     */
    public BackupStore.Entry fetch(RemoteSet s, Path dir, lib.crypt.Encryption encryption) {
        Manifest m = s.manifest();
        String why = s.foreign() != null ? s.foreign() : m == null ? "is missing" : BackupStore.foreign(m, s.base());
        if (why != null) throw foreign(s.base(), why); // checked before any local path is built from a name
        Manifest.Offsite o = m.offsite();
        if (o == null) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "the manifest of " + s.base() + " on " + remote + " has no off-site record",
                    "use another backup (--list --remote)");
        }
        try {
            SafeFiles.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        fetchFile(s, o.dumpFile(), o.dumpSha256(), m.dumpFile(), m.sha256(), dir, encryption);
        if (o.globalsFile() != null && m.globalsFile() != null) {
            fetchFile(s, o.globalsFile(), o.globalsSha256(), m.globalsFile(), m.globalsSha256(), dir, encryption);
        }
        Path manifestFile = dir.resolve(s.base() + ".manifest.json");
        SafeFiles.write(manifestFile, m.toJson());
        return BackupStore.parse(dir.resolve(m.dumpFile())).orElseThrow();
    }

    private void fetchFile(RemoteSet s, String remoteName, String remoteSha, String localName, String localSha, Path dir,
                           lib.crypt.Encryption encryption) {
        Path got = dir.resolve(remoteName);
        rclone.download(Rclone.join(remote, s.type(), remoteName), got);
        requireSha(got, remoteSha, "downloaded " + remoteName);
        if (remoteName.equals(localName)) return;
        Path plain = dir.resolve(localName);
        encryption.key(remoteName).decryptFile(got, plain);
        SafeFiles.deleteQuietly(got);
        requireSha(plain, localSha, "decrypted " + localName);
    }

    private static void requireSha(Path file, String expected, String what) {
        String actual;
        try {
            actual = lib.ArchiveWriter.sha256(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!actual.equalsIgnoreCase(expected)) {
            SafeFiles.deleteQuietly(file);
            throw new OpsException(ExitCode.VERIFY_FAILED, "checksum mismatch for " + what + ": the remote copy is damaged (sha256 "
                    + actual.substring(0, 12) + "..., manifest says " + expected.substring(0, Math.min(12, expected.length())) + "...)",
                    "use another backup (--list --remote); keep the remote file for inspection");
        }
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
