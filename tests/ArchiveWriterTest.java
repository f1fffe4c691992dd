package tests;

import lib.ArchiveWriter;
import lib.Codec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** What we write, the stock tools read, and the recorded sizes and sha256 are right. */
class ArchiveWriterTest {
    @TempDir Path dir;

    private static byte[] sample() {
        byte[] data = new byte[5 << 20];
        Random r = new Random(7);
        for (int i = 0; i < data.length; i++) data[i] = (byte) ('a' + r.nextInt(r.nextBoolean() ? 3 : 26));
        return data;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }

    @Test
    void stockToolsOpenWhatWeWriteAndTheNumbersMatch() throws Exception {
        byte[] data = sample();
        for (Codec c : List.of(Codec.parse("zstd:1"), Codec.parse("zstd:3"), Codec.parse("gzip:6"))) {
            Path file = dir.resolve("f" + c.level() + ".dump" + c.extension());
            ArchiveWriter w = new ArchiveWriter(file, c);
            for (int off = 0; off < data.length; off += 100_000) w.write(data, off, Math.min(100_000, data.length - off));
            w.close();
            assertThat(w.rawBytes()).isEqualTo(data.length);
            assertThat(w.storedBytes()).isEqualTo(Files.size(file)).isLessThan(data.length);
            assertThat(w.sha256()).isEqualTo(run("sha256sum", file.toString()).split(" ")[0]).isEqualTo(ArchiveWriter.sha256(file));
            String tool = c.name().equals("zstd") ? "zstd -dc" : "gzip -dc";
            assertThat(run("sh", "-c", tool + " '" + file + "' | cmp - '" + writeRaw(data) + "' && echo same").strip()).isEqualTo("same");
            try (InputStream in = c.decompress(Files.newInputStream(file))) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
        }
    }

    @Test
    void zstdFramesCarryAChecksumSoDamageIsDetected() throws Exception {
        Path file = dir.resolve("x.dump.zst");
        try (ArchiveWriter w = new ArchiveWriter(file, Codec.parse("zstd:3"))) { w.write(sample()); }
        byte[] b = Files.readAllBytes(file);
        b[b.length / 2] ^= 0x10;
        Files.write(file, b);
        Process p = new ProcessBuilder("zstd", "-t", file.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isNotZero();
    }

    private Path writeRaw(byte[] data) throws Exception {
        Path raw = dir.resolve("raw");
        if (!Files.exists(raw)) Files.write(raw, data);
        return raw;
    }
}
