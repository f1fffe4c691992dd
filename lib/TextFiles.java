package lib;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads the text files people make by hand (config files, key files, passphrase files) as their editor saved
 * them: UTF-8, UTF-8 with a byte order mark (Notepad), or UTF-16 with one (Notepad's "Unicode", and what
 * Windows PowerShell 5.1's {@code >} writes). The mark is never part of the text. Anything else is refused
 * with what was found, since a silently misread file only fails later, far from its cause.
 */
public final class TextFiles {
    /** How many leading bytes decide "UTF-16 without a byte order mark". */
    private static final int SNIFF = 128;

    private TextFiles() {}

    /**
     * The text of {@code file} without its byte order mark.
     * @param role what the file is for, as messages name it ("config file")
     * @param hint how to produce a good file, shown when the file cannot be read
     * @throws OpsException USAGE when the file is missing, unreadable, or not text in one of those encodings
     */
    public static String read(Path file, String role, String hint) {
        return decode(bytes(file, role, hint), file, role);
    }

    /** The raw bytes of {@code file}, with missing and unreadable files said plainly (USAGE). */
    public static byte[] bytes(Path file, String role, String hint) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new OpsException(ExitCode.USAGE, role + " " + file + " not found", hint);
        } catch (AccessDeniedException e) {
            throw new OpsException(ExitCode.USAGE, "cannot read " + role + " " + file + ": permission denied",
                    "make it readable by this user");
        } catch (IOException e) {
            throw new OpsException(ExitCode.USAGE, "cannot read " + role + " " + file + ": " + e.getMessage(), hint);
        }
    }

    /**
     * Text in {@code data} by its byte order mark (none: UTF-8), the mark removed.
     * @throws OpsException USAGE naming what was found instead (UTF-16 without a mark, binary data, another code page)
     */
    public static String decode(byte[] data, Path file, String role) {
        Charset cs = bom(data);
        int skip = cs == null ? 0 : cs.equals(StandardCharsets.UTF_8) ? 3 : 2;
        String what = role + " " + file;
        if (cs == null && looksUtf16(data)) {
            throw refused(what + " is not UTF-8 text: it looks like UTF-16 without a byte order mark");
        }
        String text;
        try {
            text = (cs == null ? StandardCharsets.UTF_8 : cs).newDecoder().decode(ByteBuffer.wrap(data, skip, data.length - skip)).toString();
        } catch (CharacterCodingException e) {
            throw refused(what + " is not UTF-8 text (another code page, such as Windows-1252, or binary data)");
        }
        if (text.indexOf('\0') >= 0) throw refused(what + " is not text: it holds binary data (NUL bytes)");
        return text;
    }

    /**
     * True when {@code data} needs decoding before it can be read as ASCII-compatible bytes: it starts with a
     * UTF-8 or UTF-16 byte order mark, or looks like UTF-16 without one. Binary formats start otherwise.
     */
    public static boolean unicodeText(byte[] data) {
        return bom(data) != null || looksUtf16(data);
    }

    /** The charset a byte order mark at the start of {@code data} names, or null when there is none. */
    static Charset bom(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF) return StandardCharsets.UTF_8;
        if (b.length >= 2 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xFE) return StandardCharsets.UTF_16LE;
        if (b.length >= 2 && (b[0] & 0xff) == 0xFE && (b[1] & 0xff) == 0xFF) return StandardCharsets.UTF_16BE;
        return null;
    }

    /** ASCII-range text in UTF-16: in the first bytes, every other byte is NUL and the ones between are not. */
    private static boolean looksUtf16(byte[] b) {
        int n = Math.min(b.length, SNIFF) & ~1;
        if (n < 2) return false;
        return zeroAt(b, n, 1) && !zeroAnywhere(b, n, 0) || zeroAt(b, n, 0) && !zeroAnywhere(b, n, 1);
    }

    private static boolean zeroAt(byte[] b, int n, int parity) {
        for (int i = parity; i < n; i += 2) if (b[i] != 0) return false;
        return true;
    }

    private static boolean zeroAnywhere(byte[] b, int n, int parity) {
        for (int i = parity; i < n; i += 2) if (b[i] == 0) return true;
        return false;
    }

    private static OpsException refused(String message) {
        return new OpsException(ExitCode.USAGE, message,
                "save it as UTF-8 (in Notepad: Save As, Encoding UTF-8); in Windows PowerShell 5.1 write files with "
                        + "Set-Content -Encoding utf8 or let the program write them (gpg --output FILE), not with >");
    }
}
