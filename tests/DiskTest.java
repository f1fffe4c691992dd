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
}
