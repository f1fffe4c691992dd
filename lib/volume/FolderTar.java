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
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A folder of this machine as a tar and back, in Java (commons-compress), so Windows needs no tar
 * program: entries sit under one top folder, names are UTF-8 (PAX headers where needed), symbolic
 * links are stored as links, never followed. Unpacking refuses names that would leave the target, and
 * makes no link that leads out of it.
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
     * Symbolic links are made last, so no entry is ever written through one. A link is skipped (and returned,
     * with the reason) when it would lead out of {@code into}: an absolute target, a ".." above it, a path
     * through another link of the archive, or a place under one (a chain such as {@code a -> /dir} then
     * {@code a/planted}); also where the OS does not allow links (Windows without developer mode).
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
        Set<String> linkPaths = new HashSet<>();
        for (TarArchiveEntry l : links) linkPaths.add(relative(top, l.getName()));
        for (TarArchiveEntry l : links) {
            String outside = outside(relative(top, l.getName()), l.getLinkName(), linkPaths);
            if (outside != null) {
                skipped.add(l.getName() + " -> " + l.getLinkName() + " (" + outside + ")");
                continue;
            }
            try {
                Files.createSymbolicLink(target(into, top, l.getName()), Path.of(l.getLinkName()));
            } catch (FileAlreadyExistsException e) {
                skipped.add(l.getName() + " -> " + l.getLinkName() + " (the archive has a file or folder of that name too)");
            } catch (IOException | UnsupportedOperationException e) {
                skipped.add(l.getName() + " -> " + l.getLinkName() + " (links cannot be made here)");
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
        String rel = relative(top, name);
        return rel.isEmpty() ? into : into.resolve(rel);
    }

    /** An entry's path below {@code top} ("" for top itself); an absolute name, a ".." or a name outside top is refused. */
    private static String relative(String top, String name) throws IOException {
        String n = name.replaceAll("/+$", "");
        String rel = n.equals(top) ? "" : n.startsWith(top + "/") ? n.substring(top.length() + 1) : null;
        if (rel == null || rel.startsWith("/") || Set.of(rel.split("/")).contains("..") || rel.contains("\\") || rel.contains(":")) {
            throw new IOException("refusing tar entry " + name + ": not inside " + top + "/");
        }
        return rel;
    }

    /**
     * Why a link at {@code rel} to {@code target} could lead out of the restore folder, or null when it cannot:
     * its target is walked name by name from the link's folder, where every name is a real folder unless it is
     * one of the archive's {@code links}, so the walk is exact as long as it never passes through one of those.
     */
    private static String outside(String rel, String target, Set<String> links) {
        if (rel.isEmpty()) return "it would replace the folder itself";
        if (target.startsWith("/") || target.contains("\\") || target.contains(":")) return "its target is absolute";
        List<String> at = new ArrayList<>(List.of(rel.split("/")));
        at.remove(at.size() - 1);
        for (int i = 1; i <= at.size(); i++) {
            if (links.contains(String.join("/", at.subList(0, i)))) return "it lies under another link";
        }
        String[] names = target.split("/");
        for (int i = 0; i < names.length; i++) {
            if (names[i].isEmpty() || names[i].equals(".")) continue;
            if (names[i].equals("..")) {
                if (at.isEmpty()) return "it leads out of the restored folder";
                at.remove(at.size() - 1);
                continue;
            }
            at.add(names[i]);
            if (i < names.length - 1 && links.contains(String.join("/", at))) return "it leads through another link";
        }
        return null;
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
