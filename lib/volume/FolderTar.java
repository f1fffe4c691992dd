package lib.volume;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A folder of this machine as a tar and back, in Java (commons-compress), so Windows needs no tar
 * program: entries sit under one top folder, names are UTF-8 (PAX headers where needed), symbolic
 * links are stored as links, never followed. Unpacking refuses names that would leave the target.
 */
final class FolderTar {
    private FolderTar() {}

    /** Writes {@code dir} (without the subtrees {@code skip}) as a tar whose top folder is {@code top}; {@code out} stays open. */
    static void write(Path dir, String top, OutputStream out, List<Path> skip) throws IOException {
        List<Path> inside = skip.stream().filter(s -> s.startsWith(dir) && !s.equals(dir)).toList();
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted().filter(p -> inside.stream().noneMatch(p::startsWith)).toList()) {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                String name = rel.isEmpty() ? top : top + "/" + rel;
                put(tar, p, name);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        tar.finish(); // pads and flushes the last block; closing would close out, which its owner fsyncs first
    }

    private static void put(TarArchiveOutputStream tar, Path p, String name) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        TarArchiveEntry e;
        if (a.isSymbolicLink()) {
            e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
            e.setLinkName(Files.readSymbolicLink(p).toString().replace('\\', '/'));
            e.setMode(0120777);
        } else if (a.isDirectory() || a.isRegularFile()) {
            e = tar.createArchiveEntry(p, name, LinkOption.NOFOLLOW_LINKS);
        } else {
            return; // sockets, pipes, devices: nothing to keep
        }
        // plain ustar times only: GNU tar warns about every LIBARCHIVE.creationtime record it meets
        e.setModTime(FileTime.from(a.lastModifiedTime().toInstant().truncatedTo(ChronoUnit.SECONDS)));
        e.setCreationTime(null);
        e.setLastAccessTime(null);
        e.setStatusChangeTime(null);
        tar.putArchiveEntry(e);
        if (a.isRegularFile()) Files.copy(p, tar);
        tar.closeArchiveEntry();
    }

    /**
     * Unpacks a tar made by {@link #write} into {@code into} (which exists), without its top folder {@code top}.
     * Symbolic links are made last, so no entry is ever written through one; where the OS does not allow
     * them (Windows without developer mode) they are skipped and returned.
     */
    static List<String> extract(InputStream in, String top, Path into) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
        List<TarArchiveEntry> links = new ArrayList<>();
        List<TarArchiveEntry> dirs = new ArrayList<>();
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
            Path target = target(into, top, e.getName());
            if (e.isSymbolicLink()) links.add(e);
            else if (e.isDirectory()) {
                Files.createDirectories(target);
                dirs.add(e);
            } else if (e.isFile()) {
                Files.createDirectories(target.getParent());
                Files.copy(tar, target);
                attributes(target, e);
            }
        }
        in.transferTo(OutputStream.nullOutputStream());
        List<String> skipped = new ArrayList<>();
        for (TarArchiveEntry l : links) {
            try {
                Files.createSymbolicLink(target(into, top, l.getName()), Path.of(l.getLinkName()));
            } catch (IOException | UnsupportedOperationException e) {
                skipped.add(l.getName() + " -> " + l.getLinkName());
            }
        }
        // a folder's time and mode last: writing into it changed the one and the other might forbid it
        for (int i = dirs.size() - 1; i >= 0; i--) {
            Path d = target(into, top, dirs.get(i).getName());
            if (!d.equals(into)) attributes(d, dirs.get(i));
        }
        return skipped;
    }

    /** Where an entry goes; an absolute name, a ".." or a name outside {@code top} is refused. */
    private static Path target(Path into, String top, String name) throws IOException {
        String n = name.replaceAll("/+$", "");
        String rel = n.equals(top) ? "" : n.startsWith(top + "/") ? n.substring(top.length() + 1) : null;
        if (rel == null || rel.startsWith("/") || Set.of(rel.split("/")).contains("..") || rel.contains("\\") || rel.contains(":")) {
            throw new IOException("refusing tar entry " + name + ": not inside " + top + "/");
        }
        return rel.isEmpty() ? into : into.resolve(rel);
    }

    private static void attributes(Path p, TarArchiveEntry e) throws IOException {
        Files.setLastModifiedTime(p, FileTime.from(e.getLastModifiedTime().toInstant()));
        if (!Files.getFileStore(p).supportsFileAttributeView("posix")) return;
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE, high bit first
        for (int i = 0; i < 9; i++) if ((e.getMode() & (0400 >> i)) != 0) perms.add(bits[i]);
        Files.setPosixFilePermissions(p, perms);
    }
}
