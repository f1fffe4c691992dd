package tests;

import lib.ExitCode;
import lib.OpsException;
import lib.TextFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Text files as Windows and Linux editors save them: one reading, or a refusal that says what was found. */
class TextFilesTest {
    @TempDir Path dir;

    static final String TEXT = "KEY=Jürgen\r\nsecond line\r\n";

    /** {@code text} in {@code charset} behind the byte order mark {@code bom} (hex, may be empty). */
    static byte[] saved(String text, String charset, String bom) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(HexFormat.of().parseHex(bom));
        out.writeBytes(text.getBytes(Charset.forName(charset)));
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"UTF-8, UTF-8, ''", "Notepad's UTF-8 with BOM, UTF-8, EFBBBF",
            "PowerShell 5.1 > and Notepad's Unicode (UTF-16LE with BOM), UTF-16LE, FFFE", "UTF-16BE with BOM, UTF-16BE, FEFF"})
    void readsEveryEncodingAnEditorSavesWithoutTheMark(String what, String charset, String bom) throws Exception {
        Path f = Files.write(dir.resolve("f.txt"), saved(TEXT, charset, bom));

        assertThat(TextFiles.read(f, "config file", "hint")).isEqualTo(TEXT);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "UTF-16LE without BOM | UTF-16LE | UTF-16 without a byte order mark",
            "UTF-16BE without BOM | UTF-16BE | UTF-16 without a byte order mark",
            "Windows-1252 | windows-1252 | another code page"})
    void refusesOtherEncodingsSayingWhatItFound(String what, String charset, String found) throws Exception {
        Path f = Files.write(dir.resolve("f.txt"), "PASSPHRASE=geheim\u00e4".getBytes(Charset.forName(charset)));

        assertThatThrownBy(() -> TextFiles.read(f, "passphrase file", "hint")).isInstanceOfSatisfying(OpsException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
            assertThat(e.getMessage()).startsWith("passphrase file " + f + " is not UTF-8 text").contains(found).doesNotContain("geheim");
            assertThat(e.hint()).contains("UTF-8");
        });
    }

    @Test
    void refusesBinaryDataAndNamesMissingFiles() throws Exception {
        Path bin = Files.write(dir.resolve("key.gpg"), new byte[] {(byte) 0x99, 1, 13, 4, 0, 0, 0, 7, 1, 0});

        assertThatThrownBy(() -> TextFiles.read(bin, "config file", "hint")).hasMessageContaining("binary data");
        assertThatThrownBy(() -> TextFiles.read(dir.resolve("missing.env"), "config file", "the hint"))
                .isInstanceOfSatisfying(OpsException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("config file " + dir.resolve("missing.env") + " not found");
                    assertThat(e.hint()).isEqualTo("the hint");
                });
    }

    @Test
    void onlyMarkedOrUtf16TextNeedsDecodingBinaryKeysDoNot() {
        assertThat(TextFiles.unicodeText(saved("-----BEGIN PGP", "UTF-16LE", "FFFE"))).isTrue();
        assertThat(TextFiles.unicodeText(saved("-----BEGIN PGP", "UTF-16LE", ""))).isTrue();
        assertThat(TextFiles.unicodeText(saved("-----BEGIN PGP", "UTF-8", "EFBBBF"))).isTrue();
        assertThat(TextFiles.unicodeText("-----BEGIN PGP".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(TextFiles.unicodeText(new byte[] {(byte) 0x99, 1, 13, 4, 0, 0, 0, 7})).isFalse();
    }
}
