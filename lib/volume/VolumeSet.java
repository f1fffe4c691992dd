package lib.volume;

import lib.BackupStore;
import lib.OpsException;
import lib.StoredSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * One stored volume archive: its file, its manifest (null when missing, unreadable or foreign), and what its
 * name says. {@code archiveName} is the start of the file name ({@code pgadmin-data}, {@code config}).
 * {@code foreign} says why the manifest beside it was not taken as its own (it names another file).
 */
public record VolumeSet(Path archive, Path manifestFile, VolumeManifest manifest, String archiveName, String type, Instant at,
                        String foreign) implements StoredSet {

    /** Every archive of {@code archiveName} (null: of every volume) under the store, newest first. */
    public static List<VolumeSet> list(BackupStore store, String archiveName) {
        List<VolumeSet> out = new ArrayList<>();
        store.volumeArchives(archiveName).forEach(f -> parse(f).ifPresent(out::add));
        return out;
    }

    /** The set of an archive file named like ours, with its manifest when present and readable. */
    public static Optional<VolumeSet> parse(Path archive) {
        Matcher m = BackupStore.matchVolume(archive.getFileName().toString());
        if (m == null || !m.group("kind").equals("tar")) return Optional.empty();
        Path mf = BackupStore.volumeManifest(archive);
        VolumeManifest manifest = null;
        if (Files.exists(mf)) {
            try { manifest = VolumeManifest.read(mf); } catch (OpsException e) { manifest = null; }
        }
        String foreign = manifest == null || ours(manifest.archiveFile(), mf) ? null : "names " + manifest.archiveFile() + ", not a file of its set";
        return Optional.of(new VolumeSet(archive, Files.exists(mf) ? mf : null, foreign == null ? manifest : null, m.group("volume"),
                m.group("type"), BackupStore.STAMP.parse(m.group("ts"), Instant::from), foreign));
    }

    /** True when {@code name} is a plain archive name of the set whose manifest is {@code manifestFile}. */
    private static boolean ours(String name, Path manifestFile) {
        Matcher m = name == null ? null : BackupStore.matchVolume(name);
        return m != null && m.group("kind").equals("tar") && BackupStore.volumeManifest(manifestFile.resolveSibling(name)).equals(manifestFile);
    }

    /** The volume's name as VOLUMES has it (from the manifest), else the start of the file name. */
    public String volume() { return manifest != null ? manifest.volume() : archiveName; }

    @Override public boolean verified() { return manifest != null && manifest.verified(); }

    /** "passed (full), encrypted", "failed (full)", "incomplete (no manifest)". */
    public String state() {
        if (foreign != null) return "foreign (its manifest " + foreign + ")";
        if (manifest == null) return "incomplete (no manifest)";
        String v = manifest.verify() == null ? "unknown" : manifest.verify().status() + " (" + manifest.verify().level() + ")";
        return v + (manifest.encrypted() ? ", encrypted" : "");
    }

    /** The archive and its manifest, those that exist. */
    @Override
    public List<Path> files() {
        List<Path> out = new ArrayList<>(List.of(archive));
        if (manifestFile != null) out.add(manifestFile);
        out.removeIf(p -> !Files.exists(p));
        return out;
    }

    public long size() {
        try { return Files.size(archive); } catch (IOException e) { return 0; }
    }
}
