package tests;

import lib.ScratchServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tests.support.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** lib/ScratchServer: what it writes into postgresql.conf, and a pg_ctl that leaves the server holding its output. */
class ScratchServerTest {
    @TempDir Path dir;

    @Test
    void onWindowsTheSocketDirectoryIsEmptyAndNoTempPathIsWritten() {
        String temp = "C:\\Users\\Jürgen\\AppData\\Local\\Temp\\ra-scratch-123";
        String conf = ScratchServer.settings(54321, temp, true);

        assertThat(conf).contains("\nunix_socket_directories = ''\n", "\nport = 54321\n", "\nlisten_addresses = '127.0.0.1'\n")
                .doesNotContain("Jürgen").doesNotContain("\\");
    }

    @Test
    void elsewhereTheSocketDirectoryIsQuotedSoThatQuotesAndBackslashesSurvive() {
        assertThat(ScratchServer.settings(5433, "/tmp/it's a\\dir", false)).contains("\nunix_socket_directories = '/tmp/it''s a\\\\dir'\n");
    }

    /**
     * pg_ctl as on Windows: the server it starts keeps pg_ctl's stdout and stderr. The start must return when
     * pg_ctl does (not when the server stops), with the server still running.
     */
    @Test
    void startReturnsWhileTheServerStillHoldsPgCtlsOutput() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Fixtures.shellScript(dir.resolve("initdb"), "mkdir -p \"$2\" && : > \"$2/postgresql.conf\"\n");
        Path pid = dir.resolve("server.pid");
        Fixtures.shellScript(dir.resolve("pg_ctl"), """
                for a; do last=$a; done
                case $last in
                  start) sleep 600 & echo $! > '%s'; echo "server started";;
                  stop) kill "$(cat '%s')";;
                esac
                """.formatted(pid, pid));
        Files.createFile(pid);
        Files.setPosixFilePermissions(pid, PosixFilePermissions.fromString("rw-rw-rw-"));

        try (ScratchServer s = ScratchServer.local(dir, null)) {
            long server = Long.parseLong(Files.readString(pid).strip());
            assertThat(ProcessHandle.of(server).map(ProcessHandle::isAlive)).as("the server keeps running").contains(true);
        } finally {
            String left = Files.readString(pid).strip();
            if (!left.isEmpty()) ProcessHandle.of(Long.parseLong(left)).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
