package lib;

import com.github.luben.zstd.util.Native;
import com.github.luben.zstd.util.ZstdVersion;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;

/**
 * zstd-jni's native library, loaded from one per-user folder named for its version. Left to itself, zstd-jni
 * copies the library to a new temp file on every run and deletes it at exit, which Windows refuses for a loaded
 * DLL: about 1 MB per run piles up in %TEMP%. Here the copy is made once and reused while its bytes are the
 * jar's; copies left in %TEMP% by earlier runs are removed, as far as Windows lets. Where the folder cannot be
 * used, zstd-jni loads the library its own way.
 */
public final class ZstdLibrary {
    /** The file name zstd-jni gives its library, without the extension. */
    static final String NAME = "libzstd-jni-" + ZstdVersion.VERSION;
    /** zstd-jni loads the library from this file when the system property is set (com.github.luben.zstd.util.Native). */
    static final String PATH_PROPERTY = "ZstdNativePath";
    /** A temp copy younger than this may belong to a process that is just loading it. */
    static final Duration LEFTOVER_AGE = Duration.ofHours(1);
    private static final boolean WINDOWS = System.getProperty("os.name").startsWith("Windows");

    private ZstdLibrary() {}

    /** Makes sure the library is loaded, from the per-user folder where possible; cheap after the first call. */
    public static synchronized void load() {
        if (Native.isLoaded()) return;
        load(folder(System.getenv()));
        if (WINDOWS) removeLeftovers(Path.of(System.getProperty("java.io.tmpdir")), Instant.now().minus(LEFTOVER_AGE));
    }

    /**
     * Loads the library from {@code folder} (copying it there first when it is missing or differs from the jar's),
     * or, when that fails, the way zstd-jni does by itself. Returns the file used, or null for zstd-jni's own way.
     */
    public static synchronized Path load(Path folder) {
        if (Native.isLoaded()) return null;
        Path file = null;
        try {
            file = copy(folder);
        } catch (IOException | RuntimeException e) {
            // zstd-jni's own way below
        }
        if (file != null) {
            System.setProperty(PATH_PROPERTY, file.toString());
            try {
                Native.load();
                return file;
            } catch (UnsatisfiedLinkError e) {
                // a folder on a noexec mount, say: zstd-jni's own way below
            } finally {
                System.clearProperty(PATH_PROPERTY);
            }
        }
        Native.load();
        return null;
    }

    /** The per-user folder: %LOCALAPPDATA%\ra-infrastructure on Windows, else $XDG_CACHE_HOME or ~/.cache, then the version. */
    static Path folder(java.util.Map<String, String> env) {
        String base = WINDOWS ? env.get("LOCALAPPDATA") : env.get("XDG_CACHE_HOME");
        Path root = base == null || base.isBlank() ? Path.of(System.getProperty("user.home"), WINDOWS ? "AppData/Local" : ".cache") : Path.of(base);
        return root.resolve("ra-infrastructure").resolve("zstd-jni-" + ZstdVersion.VERSION);
    }

    /** The library in {@code folder}, copied from the jar unless an identical copy is already there; null for an unknown platform. */
    private static Path copy(Path folder) throws IOException {
        byte[] bytes;
        try (InputStream in = Native.class.getResourceAsStream(resource())) {
            if (in == null) return null;
            bytes = in.readAllBytes();
        }
        Path file = folder.resolve(NAME + "." + extension());
        if (same(file, bytes)) return file;
        SafeFiles.createDirectories(folder);
        Path tmp = folder.resolve(NAME + "." + ProcessHandle.current().pid() + SafeFiles.PARTIAL);
        try (FileChannel ch = SafeFiles.create(tmp)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // another run put it there first and holds it loaded (Windows): theirs is as good as ours
            if (!same(file, bytes)) throw e;
        } finally {
            SafeFiles.deleteQuietly(tmp);
        }
        return file;
    }

    private static boolean same(Path file, byte[] bytes) throws IOException {
        return Files.isRegularFile(file) && Files.size(file) == bytes.length && Arrays.equals(Files.readAllBytes(file), bytes);
    }

    /** Where zstd-jni keeps the library in its jar: {@code /<os>/<arch>/<name>.<ext>}, as Native names it. */
    private static String resource() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT).replace(' ', '_');
        if (os.startsWith("win")) os = "win";
        else if (os.startsWith("mac")) os = "darwin";
        String arch = System.getProperty("os.arch");
        if (os.equals("darwin") && arch.equals("amd64")) arch = "x86_64";
        return "/" + os + "/" + arch + "/" + NAME + "." + extension();
    }

    private static String extension() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        return os.startsWith("win") ? "dll" : os.startsWith("mac") ? "dylib" : "so";
    }

    /**
     * Deletes zstd-jni's temp copies ({@code libzstd-jni-*.dll}) older than {@code before} from {@code tmp}, as far as
     * it can: one still loaded by a running program cannot be deleted on Windows and stays. Checked on Windows: not yet.
     * @return how many were deleted
     */
    public static int removeLeftovers(Path tmp, Instant before) {
        int removed = 0;
        try (DirectoryStream<Path> copies = Files.newDirectoryStream(tmp, "libzstd-jni-*.dll")) {
            for (Path f : copies) {
                try {
                    FileTime modified = Files.getLastModifiedTime(f);
                    if (Files.isRegularFile(f) && modified.toInstant().isBefore(before) && Files.deleteIfExists(f)) removed++;
                } catch (IOException inUse) {
                    // loaded by a running program: a later run removes it
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort: nothing depends on it
        }
        return removed;
    }
}
