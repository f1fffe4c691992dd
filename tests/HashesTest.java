package tests;

import lib.Proc;
import lib.offsite.Hashes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Local hashes in one pass must equal what the stock sha256sum, sha1sum and md5sum say (rclone compares with those). */
class HashesTest {
    @TempDir Path dir;

    @Test
    void oneReadGivesEveryRequestedHashAsTheStockToolsDo() throws Exception {
        byte[] data = new byte[3_000_001];
        new Random(7).nextBytes(data);
        Path f = Files.write(dir.resolve("data bin"), data);
        Map<String, String> h = Hashes.of(f, List.of("sha256", "sha1", "md5"));
        for (String t : List.of("sha256", "sha1", "md5")) {
            Proc.Result r = Proc.run(List.of(t + "sum", f.toString()), Map.of(), null);
            assertThat(h.get(t)).as(t).isEqualTo(r.stdout().substring(0, r.stdout().indexOf(' ')));
        }
        assertThat(Hashes.of(f, List.of("md5"))).containsOnlyKeys("md5");
    }

    @Test
    void unknownTypesAreRefused() {
        assertThatThrownBy(() -> Hashes.of(dir, List.of("quickxor"))).isInstanceOf(IllegalArgumentException.class);
    }
}
