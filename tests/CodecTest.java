package tests;

import lib.Codec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CodecTest {
    @Test
    void parsesSettingsAndNamesFiles() {
        assertThat(Codec.parse("zstd")).isEqualTo(new Codec("zstd", 3));
        assertThat(Codec.parse("zstd:19").level()).isEqualTo(19);
        assertThat(Codec.parse("gzip")).isEqualTo(new Codec("gzip", 6));
        assertThat(Codec.parse("gzip").extension()).isEqualTo(".gz");
        assertThat(Codec.parse("zstd").extension()).isEqualTo(".zst");
        assertThat(Codec.forFile("x.dump.zst").name()).isEqualTo("zstd");
        assertThat(Codec.forFile("x.dump.gz").name()).isEqualTo("gzip");
    }
}
