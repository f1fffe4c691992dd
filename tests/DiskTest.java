package tests;

import lib.Disk;
import lib.ExitCode;
import lib.OpsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DiskTest {
    @TempDir Path dir;

    @Test
    void refusesWhenTheEstimateDoesNotFit() {
        long free = Disk.usable(dir);
        Disk.require(dir, free / 4, "x");
        assertThatThrownBy(() -> Disk.require(dir, free, "the backup of inventory"))
                .isInstanceOf(OpsException.class).hasMessageContaining("not enough free space in " + dir + " for the backup of inventory")
                .satisfies(e -> assertThat(((OpsException) e).exitCode()).isEqualTo(ExitCode.NO_SPACE));
    }

    @Test
    void fullDiskHasItsOwnCodeAndOtherErrorsNameTheCause() {
        OpsException full = Disk.explain(new IOException("No space left on device"), dir.resolve("f"));
        assertThat(full.exitCode()).isEqualTo(ExitCode.NO_SPACE);
        assertThat(full.oneLine()).startsWith("disk full while writing").contains("HINT:");
        OpsException other = Disk.explain(new IOException("Permission denied"), dir.resolve("f"));
        assertThat(other.exitCode()).isEqualTo(ExitCode.FAILED);
        assertThat(other.getMessage()).contains("Permission denied");
    }

    @Test
    void humanSizes() {
        assertThat(Disk.human(512)).isEqualTo("512 B");
        assertThat(Disk.human(1536)).isEqualTo("1.5 KB");
        assertThat(Disk.human(3L << 30)).isEqualTo("3.0 GB");
    }

    static final String GERMAN = "Auf dem Datentr\u00e4ger ist nicht gen\u00fcgend Speicherplatz vorhanden";

    @Test
    void aFullDiskIsToldByItsFreeSpaceWhateverLanguageTheMessageIsIn() throws Exception {
        Path mount = java.nio.file.Files.createDirectories(dir.resolve("small"));
        var mounted = lib.Proc.run(java.util.List.of("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString()), java.util.Map.of(),
                java.time.Duration.ofSeconds(20));
        org.junit.jupiter.api.Assumptions.assumeTrue(mounted.ok(), "needs a tmpfs mount (root): " + mounted.stderr());
        try {
            fill(mount.resolve("filler"));
            Path target = mount.resolve("daily").resolve("inventory_20261203T020000Z_daily.dump.zst");

            assertThat(Disk.explain(new IOException(GERMAN), target).exitCode()).isEqualTo(ExitCode.NO_SPACE);
            assertThat(Disk.explain(new IOException("Espace insuffisant sur le disque"), mount.resolve("f")).exitCode())
                    .isEqualTo(ExitCode.NO_SPACE);
            assertThat(Disk.explain(new java.nio.file.AccessDeniedException(target.toString()), target).exitCode())
                    .as("not a cause a full disk has").isEqualTo(ExitCode.FAILED);
            assertThatThrownBy(() -> lib.SafeFiles.write(mount.resolve("more"), new byte[64 * 1024]))
                    .isInstanceOfSatisfying(OpsException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.NO_SPACE));
        } finally {
            lib.Proc.run(java.util.List.of("umount", mount.toString()), java.util.Map.of(), java.time.Duration.ofSeconds(20));
        }
    }

    @Test
    void aTranslatedMessageWithPlentyOfSpaceIsNotADiskFull() {
        OpsException e = Disk.explain(new IOException(GERMAN), dir.resolve("f"));

        assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED);
        assertThat(e.getMessage()).contains(GERMAN);
    }

    /** Writes until the file system refuses: a real full disk. */
    private static void fill(Path file) {
        try (var out = java.nio.file.Files.newOutputStream(file)) {
            byte[] block = new byte[4096];
            while (true) out.write(block);
        } catch (IOException full) {
            // no space left
        }
    }
}
