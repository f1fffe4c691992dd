package lib.volume;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a tar stream holds, as commons-compress reads it: the number of entries, the bytes of their
 * content, and each entry's kind, size and link target by name. Reading it walks every entry's data,
 * so a truncated or damaged archive (or the damage a decompressor or decryptor reports) surfaces here.
 */
public record TarContents(long entries, long contentBytes, Map<String, Item> items) {
    /** One entry: {@code kind} is file, dir, symlink, hardlink or other; {@code link} only for links. */
    public record Item(String kind, long size, String link) {}

    /** Reads a whole tar stream, and everything after its end marker, so checks at the end of the stream run. */
    public static TarContents read(InputStream in) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
        Map<String, Item> items = new TreeMap<>();
        long entries = 0;
        long bytes = 0;
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
            long size = tar.transferTo(OutputStream.nullOutputStream());
            if (e.isFile() && size != e.getSize()) throw new IOException("entry " + e.getName() + " is truncated");
            entries++;
            bytes += size;
            items.put(e.getName(), new Item(kind(e), size, e.isSymbolicLink() || e.isLink() ? e.getLinkName() : null));
        }
        in.transferTo(OutputStream.nullOutputStream());
        return new TarContents(entries, bytes, items);
    }

    /** The first path component shared by every entry ("pgadmin" for {@code docker cp ...:/var/lib/pgadmin}), or null. */
    public String top() {
        String top = null;
        for (String name : items.keySet()) {
            String first = name.split("/", 2)[0];
            if (top == null) top = first;
            else if (!top.equals(first)) return null;
        }
        return top;
    }

    private static String kind(TarArchiveEntry e) {
        if (e.isDirectory()) return "dir";
        if (e.isSymbolicLink()) return "symlink";
        if (e.isLink()) return "hardlink";
        return e.isFile() ? "file" : "other";
    }
}
