package tests;

import lib.Codec;
import lib.Proc;
import lib.ZstdLibrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** zstd-jni's native library comes from one per-user folder, made once; copies in the temp folder are cleaned up. */
class ZstdLibraryTest {
    @TempDir Path dir;

    /** A fresh JVM (the library loads once per process): loads from the folder in args[0], compresses, says what it mapped. */
    public static final class LoadInFreshJvm {
        public static void main(String[] args) throws Exception {
            Path used = ZstdLibrary.load(Path.of(args[0]));
            OutputStream z = Codec.parse("zstd").compress(new ByteArrayOutputStream());
            z.write("hello".getBytes());
            z.close();
            String mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("libzstd-jni"))
                    .map(l -> l.substring(l.indexOf('/'))).findFirst().orElse("none");
            System.out.println("used=" + used);
            System.out.println("mapped=" + mapped);
        }
    }

    private String run(Path folder, Path tmp) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Proc.Result r = Proc.run(List.of(java.toString(), "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                LoadInFreshJvm.class.getName(), folder.toString()), Map.of(), Duration.ofSeconds(120));
        assertThat(r.ok()).as(r.stderr()).isTrue();
        return r.stdout();
    }

    @Test
    void theLibraryIsLoadedFromTheFixedFolderAndASecondRunReusesItsFile() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/self/maps")), "reads /proc/self/maps (Linux)");
        Path folder = dir.resolve("cache").resolve("zstd-jni");
        Path tmp = Files.createDirectories(dir.resolve("tmp"));

        String first = run(folder, tmp);
        List<Path> files = list(folder);
        BasicFileAttributes made = Files.readAttributes(files.get(0), BasicFileAttributes.class);
        String second = run(folder, tmp);

        assertThat(files).hasSize(1);
        assertThat(first).contains("used=" + files.get(0), "mapped=" + files.get(0));
        assertThat(second).contains("mapped=" + files.get(0));
        assertThat(list(folder)).containsExactlyElementsOf(files);
        BasicFileAttributes again = Files.readAttributes(files.get(0), BasicFileAttributes.class);
        assertThat(again.fileKey()).isEqualTo(made.fileKey());
        assertThat(again.lastModifiedTime()).isEqualTo(made.lastModifiedTime());
        assertThat(list(tmp)).as("nothing extracted to the temp folder").isEmpty();
    }

    @Test
    void copiesLeftInTheTempFolderByEarlierRunsAreRemovedButNotOneJustMade() throws Exception {
        Path old = Files.writeString(dir.resolve("libzstd-jni-1.5.7-281234567.dll"), "x");
        Path fresh = Files.writeString(dir.resolve("libzstd-jni-1.5.7-287654321.dll"), "x");
        Path other = Files.writeString(dir.resolve("other.dll"), "x");
        for (Path f : List.of(old, other)) Files.setLastModifiedTime(f, FileTime.from(Instant.now().minus(Duration.ofDays(2))));

        int removed = ZstdLibrary.removeLeftovers(dir, Instant.now().minus(Duration.ofHours(1)));

        assertThat(removed).isEqualTo(1);
        assertThat(old).doesNotExist();
        assertThat(fresh).exists();
        assertThat(other).exists();
    }

    private static List<Path> list(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return s.sorted().toList();
        }
    }
}
