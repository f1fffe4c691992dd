package tests;

import lib.*;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SafeFilesTest {
    private final Path home = Fixtures.home();

    @Test
    void aBackupLeavesOnlyOwnerOnlyFilesAndFoldersAndSoDoesItsLog() throws Exception {
        assumeTrue(posix());
        Config cfg = Fixtures.config(Fixtures.trustCluster(), home);
        Fixtures.createDb(new Pg(new PgTarget(cfg)), "sf_perms", 100);
        new Backup(cfg, Fixtures.log(cfg)).run("sf_perms", new Backup.Options("daily", "quick", true, false));
        assertThat(tree(cfg.path("BACKUP_DIR"))).as("dump, globals with role passwords, manifest, lock")
                .anyMatch(p -> p.toString().endsWith(".globals.sql.zst")).anyMatch(p -> p.toString().endsWith(".lock"));
        assertOwnerOnly(cfg.path("BACKUP_DIR"));
        assertOwnerOnly(cfg.path("LOG_DIR"));
    }

    @Test
    void aLeftoverTempFileOpenToOthersIsReplacedNotReused() throws Exception {
        assumeTrue(posix());
        Path target = home.resolve("m.json");
        Files.write(SafeFiles.partial(target), new byte[] {1}, java.nio.file.StandardOpenOption.CREATE);
        Files.setPosixFilePermissions(SafeFiles.partial(target), PosixFilePermissions.fromString("rw-r--r--"));
        SafeFiles.write(target, "{}".getBytes());
        assertThat(mode(target)).isEqualTo("rw-------");
    }

    @Test
    void aLogWrittenByAnOlderVersionLosesItsReadersOnTheNextLine() throws Exception {
        assumeTrue(posix());
        Path file = home.resolve("logs/backup.log");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "old line\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        new Log(file.getParent(), "backup").info("new line");
        assertThat(mode(file)).isEqualTo("rw-------");
        assertThat(Files.readAllLines(file)).hasSize(2);
    }

    @Test
    void theTextfileForNodeExporterStaysReadableByIt() throws Exception {
        assumeTrue(posix());
        Path prom = home.resolve("ra.prom");
        SafeFiles.writeReadable(prom, "x 1\n".getBytes());
        assertThat(mode(prom)).contains("r--");
    }

    private static void assertOwnerOnly(Path root) throws Exception {
        for (Path p : tree(root)) {
            assertThat(mode(p)).as(root.relativize(p).toString()).isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
        }
    }

    private static List<Path> tree(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.toList();
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private boolean posix() { return home.getFileSystem().supportedFileAttributeViews().contains("posix"); }

    /** A rename as Windows does it while Defender or the indexer holds the new file: denied {@code denials} times, then done. */
    static SafeFiles.Step heldFor(int denials, Path from, Path to, java.util.concurrent.atomic.AtomicInteger calls) {
        return () -> {
            if (calls.incrementAndGet() <= denials) throw new java.nio.file.AccessDeniedException(from.toString(), to.toString(), null);
            Files.move(from, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        };
    }

    @Test
    void onWindowsTheFinalRenameIsTriedAgainWhileSomethingBrieflyHoldsTheFile() throws Exception {
        Path from = Files.writeString(home.resolve("set.dump.zst.partial"), "dump");
        Path to = home.resolve("set.dump.zst");
        var calls = new java.util.concurrent.atomic.AtomicInteger();

        SafeFiles.retrying(heldFor(2, from, to, calls), true);

        assertThat(calls).hasValue(3);
        assertThat(to).hasContent("dump");
        assertThat(from).doesNotExist();
    }

    @Test
    void theRetriesEndWithTheOriginalErrorAndOnlyWindowsRetries() throws Exception {
        Path from = Files.writeString(home.resolve("held.partial"), "dump");
        Path to = home.resolve("held");
        var calls = new java.util.concurrent.atomic.AtomicInteger();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SafeFiles.retrying(heldFor(99, from, to, calls), true))
                .isInstanceOf(java.nio.file.AccessDeniedException.class).hasMessageContaining(from.toString());
        assertThat(calls).hasValue(5);

        calls.set(0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SafeFiles.retrying(heldFor(2, from, to, calls), false))
                .isInstanceOf(java.nio.file.AccessDeniedException.class);
        assertThat(calls).as("not on Linux").hasValue(1);

        calls.set(0);
        Path missing = home.resolve("missing.partial");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SafeFiles.retrying(heldFor(0, missing, to, calls), true))
                .isInstanceOf(java.nio.file.NoSuchFileException.class);
        assertThat(calls).as("a missing file is not waited for").hasValue(1);
        assertThat(from).hasContent("dump");
    }
}
