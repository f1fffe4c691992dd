package lib.offsite;

import lib.*;
import lib.crypt.Encryption;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.*;

/**
 * Off-site copies: after a verified local backup of a type in OFFSITE_TYPES, its dump, globals and
 * manifest go to REMOTE/&lt;type&gt;/ through rclone. Each file is checked after upload (size and the best
 * hash the remote supports, else a download compared by sha256); the manifest goes last and is the
 * commit marker, and only then does the local manifest record the copy. With encryption the files are
 * encrypted on the way out (staged under BACKUP_DIR/.outbox, removed after). Then remote retention.
 */
public final class Offsite {
    /** What an off-site step did: files sent, remote files deleted, the plan of a dry run, and the failure if any. */
    public record Outcome(List<String> sent, List<String> deleted, List<String> plan, OpsException failure) {
        public boolean failed() { return failure != null; }
    }

    private final Config cfg;
    private final Log log;
    private final Encryption encryption;
    private final Rclone rclone;
    private final RemoteStore remote;
    private final BackupStore store;
    private String hashType;
    private boolean hashTypeKnown;

    Offsite(Config cfg, Log log, Encryption encryption, Rclone rclone) {
        this.cfg = cfg;
        this.log = log;
        this.encryption = encryption;
        this.rclone = rclone;
        this.remote = new RemoteStore(rclone, cfg.get("REMOTE"));
        this.store = new BackupStore(cfg.path("BACKUP_DIR"));
    }

    /** The off-site step, or null when REMOTE is not set. */
    public static Offsite from(Config cfg, Log log, Encryption encryption) {
        return cfg.get("REMOTE").isBlank() ? null : new Offsite(cfg, log, encryption, Rclone.from(cfg, log));
    }

    /** The remote's layout, for listing and restoring (REMOTE must be set). */
    public static RemoteStore store(Config cfg, Log log) {
        if (cfg.get("REMOTE").isBlank()) {
            throw new OpsException(ExitCode.USAGE, "REMOTE is not set", "set REMOTE (e.g. gdrive:inventory-backups) in config/ops.env; see README, Off-site copies");
        }
        return new RemoteStore(Rclone.from(cfg, log), cfg.get("REMOTE"));
    }

    public boolean covers(String type) { return cfg.list("OFFSITE_TYPES").contains(type); }

    /** A local set that should be off-site but is not yet: an off-site type, not failed verification, never sent. */
    public boolean pending(BackupStore.Entry e) {
        Manifest m = e.manifest();
        return m != null && covers(e.type()) && m.offsite() == null && m.verify() != null && !"failed".equals(m.verify().status());
    }

    /**
     * After a backup of {@code db} (its lock held): sends the new set and any older pending ones, then prunes
     * the remote, unless a send failed. Failures are returned, never thrown: the local backup stands.
     */
    public Outcome afterBackup(String db) {
        List<String> sent = new ArrayList<>();
        try {
            for (BackupStore.Entry e : pendingOf(db)) sent.add(send(e));
            return new Outcome(sent, prune(db), List.of(), null);
        } catch (OpsException e) {
            log.error("off-site copy of " + db + " failed: " + e.oneLine() + "; local backups kept, remote retention skipped");
            return new Outcome(sent, List.of(), List.of(), e);
        }
    }

    /** Every local set of {@code db} ({@code null}: all) still waiting to go off-site, newest (most valuable) first. */
    public List<BackupStore.Entry> pendingOf(String db) {
        return store.list(db).stream().filter(this::pending).toList();
    }

    /** The dry-run plan: what a backup of this type would send, and what remote retention would delete. */
    public Outcome plan(String db, String type, Path dump) {
        List<String> plan = new ArrayList<>();
        String name = dump.getFileName().toString() + (encryption.offsite() && !encryption.local() ? Encryption.SUFFIX : "");
        plan.add("would upload " + Rclone.join(remote.remote(), type, name) + " with its globals and manifest"
                + (encryption.offsite() ? ", encrypted for " + String.join(", ", encryption.fingerprints()) : ""));
        pendingOf(db).forEach(e -> plan.add("would also upload pending " + e.type() + "/" + e.dump().getFileName()));
        try {
            List<RemoteStore.RemoteSet> sets = new ArrayList<>(remote.list(db));
            sets.add(0, new RemoteStore.RemoteSet(db, type, Instant.now(), BackupStore.baseOf(dump.getFileName().toString()),
                    planned(db, type), List.of()));
            RemoteRetention.Plan p = RemoteRetention.plan(sets, cfg, Instant.now());
            if (p.delete().isEmpty()) plan.add("remote retention (" + p.rule() + "): nothing to delete");
            p.delete().forEach(s -> plan.add("remote retention would delete " + Rclone.join(remote.remote(), s.type(), s.base()) + ".*"));
        } catch (OpsException e) {
            plan.add("cannot list the remote: " + e.oneLine());
        }
        return new Outcome(List.of(), List.of(), plan, null);
    }

    /** A stand-in manifest for the set a dry run would send, so the plan counts it as the newest verified copy. */
    private static Manifest planned(String db, String type) {
        return new Manifest(Manifest.FORMAT, db, type, "", null, null, null, null, null, null, Instant.now(), Instant.now(), 0, 0, 0,
                "", null, false, List.of(), new Manifest.VerifyResult("planned", "passed", Instant.now(), 0, null));
    }

    /** Applies remote retention for {@code db}; returns the deleted remote paths. */
    public List<String> prune(String db) {
        RemoteRetention.Plan p = RemoteRetention.plan(remote.list(db), cfg, Instant.now());
        return RemoteRetention.apply(p, remote, log);
    }

    /**
     * Sends one local set: data files checked one by one, then the manifest (the commit marker), then the local
     * manifest records where and when. Returns a one-line description.
     */
    public String send(BackupStore.Entry e) {
        Manifest m = e.manifest();
        boolean encrypt = encryption.offsite() && !m.encrypted();
        Path outbox = store.root().resolve(".outbox").resolve(e.type());
        List<Path> staged = new ArrayList<>();
        try {
            Sent dump = sendFile(e.dump(), m.sha256(), e.type(), encrypt, outbox, staged);
            Sent globals = e.globals() != null && Files.exists(e.globals())
                    ? sendFile(e.globals(), m.globalsSha256(), e.type(), encrypt, outbox, staged) : null;
            List<String> keys = encrypt ? encryption.fingerprints() : m.encrypted() ? m.encryptedFor() : null;
            Manifest done = m.withOffsite(new Manifest.Offsite(remote.remote(), e.type(), Instant.now(), dump.check(), dump.name(),
                    dump.bytes(), dump.sha256(), globals == null ? null : globals.name(), globals == null ? null : globals.sha256(), keys));
            Path manifest = outbox.resolve(e.manifestFile().getFileName());
            SafeFiles.createDirectories(outbox);
            SafeFiles.write(manifest, done.toJson());
            staged.add(manifest);
            Map<String, String> hashes = Hashes.of(manifest, hashTypes());
            upload(manifest, hashes, e.type());
            SafeFiles.write(e.manifestFile(), done.toJson());
            String line = e.type() + "/" + dump.name() + " (" + Disk.human(dump.bytes()) + ", " + dump.check()
                    + (keys != null ? ", encrypted for " + String.join(", ", keys) : "") + ")";
            log.info("off-site copy verified: " + Rclone.join(remote.remote(), line));
            return line;
        } catch (IOException ex) {
            throw new OpsException(ExitCode.REMOTE_FAILED, "cannot stage " + e.dump().getFileName() + " for upload: " + ex.getMessage(),
                    "check free space in " + outbox);
        } finally {
            staged.forEach(SafeFiles::deleteQuietly);
        }
    }

    private record Sent(String name, long bytes, String sha256, String check) {}

    /** Stages (encrypting) or checks a local file, uploads it and checks the copy. */
    private Sent sendFile(Path local, String sha256, String type, boolean encrypt, Path outbox, List<Path> staged) throws IOException {
        Map<String, String> hashes;
        Path src = local;
        if (encrypt) {
            src = outbox.resolve(local.getFileName() + Encryption.SUFFIX);
            staged.add(src);
            hashes = stage(local, sha256, src);
        } else {
            hashes = Hashes.of(local, hashTypes());
            requireLocal(local, sha256, hashes.get("sha256"));
        }
        String check = upload(src, hashes, type);
        return new Sent(src.getFileName().toString(), Files.size(src), hashes.get("sha256"), check);
    }

    /** The hash types to compute locally: sha256 (the manifest's) and the one the remote is checked with. */
    private List<String> hashTypes() {
        String t = hashType();
        return t == null || t.equals("sha256") ? List.of("sha256") : List.of("sha256", t);
    }

    /** The best hash the remote supports among those we can compute; null means check by download. */
    private String hashType() {
        if (!hashTypeKnown) {
            Set<String> supported = rclone.hashTypes(remote.remote());
            hashType = Hashes.PREFERRED.stream().filter(supported::contains).findFirst().orElse(null);
            hashTypeKnown = true;
        }
        return hashType;
    }

    /** Uploads and checks; a copy that does not match is deleted and sent once more. Returns how it was checked. */
    private String upload(Path src, Map<String, String> hashes, String type) throws IOException {
        String target = Rclone.join(remote.remote(), type, src.getFileName().toString());
        long size = Files.size(src);
        OpsException mismatch = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            rclone.upload(src, target);
            try {
                return check(target, size, hashes);
            } catch (OpsException e) {
                mismatch = e;
                log.warn("off-site copy " + target + " does not match: " + e.getMessage() + "; sending it again");
                rclone.deleteFile(target);
            }
        }
        throw mismatch;
    }

    /** Size and hash as the remote reports them, else a download compared by sha256. */
    private String check(String target, long size, Map<String, String> hashes) {
        String type = hashType();
        Rclone.RemoteFile f = rclone.stat(target, type).orElseThrow(() -> new OpsException(ExitCode.REMOTE_FAILED,
                "uploaded file not found on the remote: " + target, "check the remote's free space and permissions"));
        if (f.size() != size) throw mismatch(target, "size " + f.size() + " bytes, expected " + size);
        String remoteHash = type == null ? null : f.hashes().get(type);
        if (remoteHash != null && !remoteHash.isBlank()) {
            if (!remoteHash.equalsIgnoreCase(hashes.get(type))) throw mismatch(target, type + " " + remoteHash + ", expected " + hashes.get(type));
            return "size and " + type + " matched";
        }
        Hashes read = new Hashes(OutputStream.nullOutputStream(), List.of("sha256"));
        rclone.cat(target, read);
        String got = read.hex().get("sha256");
        if (!got.equalsIgnoreCase(hashes.get("sha256"))) throw mismatch(target, "downloaded sha256 " + got + ", expected " + hashes.get("sha256"));
        return "downloaded, sha256 matched";
    }

    private static OpsException mismatch(String target, String detail) {
        return new OpsException(ExitCode.REMOTE_FAILED, "off-site copy " + target + " is not what was sent: " + detail,
                "the local backup is kept; run " + lib.Launcher.command("backup.java --upload-pending") + " once the remote works");
    }

    /**
     * Encrypts a local file into {@code out} (temp name, fsync, rename), checking the plain bytes against the
     * manifest's sha256 and hashing the encrypted ones in the same pass.
     */
    private Map<String, String> stage(Path plain, String sha256, Path out) throws IOException {
        SafeFiles.createDirectories(out.getParent());
        Path tmp = SafeFiles.partial(out);
        Map<String, String> hashes;
        String plainSha;
        try (InputStream in = Files.newInputStream(plain); FileChannel ch = SafeFiles.create(tmp)) {
            Hashes encrypted = new Hashes(new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20), hashTypes());
            Hashes clear = new Hashes(encryption.recipients().encrypt(encrypted), List.of("sha256"));
            in.transferTo(clear);
            clear.close();
            encrypted.flush();
            ch.force(true);
            hashes = encrypted.hex();
            plainSha = clear.hex().get("sha256");
        } catch (IOException | RuntimeException ex) {
            SafeFiles.deleteQuietly(tmp);
            throw ex;
        }
        if (!plainSha.equalsIgnoreCase(sha256)) {
            SafeFiles.deleteQuietly(tmp);
            requireLocal(plain, sha256, plainSha);
        }
        SafeFiles.commit(tmp, out);
        return hashes;
    }

    /** A damaged local file is never sent. */
    private static void requireLocal(Path local, String expected, String actual) {
        if (!actual.equalsIgnoreCase(expected)) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "local backup file " + local.getFileName() + " no longer matches its manifest"
                    + " (sha256 " + actual.substring(0, 12) + "...): not sent off-site", "the file is damaged; take a new backup");
        }
    }
}
