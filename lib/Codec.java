package lib;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Compression as configured by COMPRESSION: {@code zstd[:LEVEL]} (default level 3, multi-threaded,
 * frame checksum on, so {@code zstd -t} detects damage) or {@code gzip[:LEVEL]}. Both produce files
 * the stock {@code zstd -d} / {@code gunzip} open.
 */
public record Codec(String name, int level) {
    public static Codec parse(String setting) {
        String[] p = setting.split(":");
        int level = p.length > 1 ? Integer.parseInt(p[1]) : p[0].equals("zstd") ? 3 : 6;
        return new Codec(p[0], level);
    }

    /** File suffix after ".dump" / ".globals.sql". */
    public String extension() { return name.equals("zstd") ? ".zst" : ".gz"; }

    /** The codec a stored file was written with, from its name (also while it is still a temp file). */
    public static Codec forFile(String fileName) {
        String name = fileName.endsWith(SafeFiles.PARTIAL) ? fileName.substring(0, fileName.length() - SafeFiles.PARTIAL.length()) : fileName;
        if (name.endsWith(".gpg")) name = name.substring(0, name.length() - 4);
        return name.endsWith(".gz") ? new Codec("gzip", 6) : new Codec("zstd", 3);
    }

    public OutputStream compress(OutputStream out) throws IOException {
        if (name.equals("gzip")) {
            return new GZIPOutputStream(out, 1 << 16) { { def.setLevel(level); } };
        }
        ZstdLibrary.load();
        ZstdOutputStream z = new ZstdOutputStream(out, level);
        z.setChecksum(true);
        z.setWorkers(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
        return z;
    }

    public InputStream decompress(InputStream in) throws IOException {
        if (name.equals("gzip")) return new GZIPInputStream(in, 1 << 16);
        ZstdLibrary.load();
        return new ZstdInputStream(in);
    }

    @Override public String toString() { return name + ":" + level; }

}
