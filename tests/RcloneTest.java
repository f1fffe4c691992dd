package tests;

import lib.Config;
import lib.ExitCode;
import lib.Log;
import lib.OpsException;
import lib.Proc;
import lib.offsite.Rclone;
import lib.offsite.Rclone.RemoteFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tests.support.Fixtures;
import tests.support.Remotes;
import tests.support.Remotes.Remote;

import java.io.ByteArrayOutputStream;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** lib.offsite.Rclone against real remotes: a local path, rclone serve sftp, s3proxy, and a remote that is down. */
class RcloneTest {
    /** A test run once per working remote (by name: JUnit would close a Remote passed as an argument after each run). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"local", "sftp", "s3"})
    @interface OnEachRemote {}

    private static Remote local;
    private static Remote sftp;
    private static Remote s3;
    private static Remote down;

    @TempDir Path tmp;

    @BeforeAll
    static void startRemotes() {
        local = Remotes.local();
        sftp = Remotes.sftp();
        s3 = Remotes.s3();
        down = Remotes.down();
    }

    @AfterAll
    static void stopRemotes() {
        for (Remote r : new Remote[] {local, sftp, s3, down}) if (r != null) r.close();
    }

    private static Remote remote(String name) {
        return Map.of("local", local, "sftp", sftp, "s3", s3).get(name);
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "|", value = {
        "gdrive:              | weekly,a.dump    | gdrive:weekly/a.dump",
        "gdrive:dir           | weekly,a.dump    | gdrive:dir/weekly/a.dump",
        "gdrive:dir/          | weekly/,/a.dump  | gdrive:dir/weekly/a.dump",
        "s3:bucket/prefix/    | daily,x.json     | s3:bucket/prefix/daily/x.json",
        "s3:bucket/prefix//   | daily            | s3:bucket/prefix/daily",
        "/local/path          | weekly//a,b      | /local/path/weekly/a/b",
        "sftp:/               | a                | sftp:/a",
        "nas:                 | ''               | nas:",
    })
    void joinUsesSingleSlashes(String remote, String parts, String expected) {
        assertThat(Rclone.join(remote, parts.split(","))).isEqualTo(expected);
    }

    @Test
    void joinWithoutPartsKeepsTheRoot() {
        assertThat(Rclone.join("gdrive:dir")).isEqualTo("gdrive:dir");
    }

    @OnEachRemote
    void uploadLandsAtExactlyThePathWithSizeAndHash(String name) throws Exception {
        Remote remote = remote(name);
        Rclone rclone = rclone(remote);
        Path src = file("a.dump", 200_000);
        String target = Rclone.join(freshDir(remote), "weekly", "a.dump");

        rclone.upload(src, target);

        String hashType = remote == local ? "sha256" : "md5";
        RemoteFile f = rclone.stat(target, hashType).orElseThrow();
        assertThat(f.path()).isEqualTo("a.dump");
        assertThat(f.size()).isEqualTo(200_000);
        assertThat(f.hashes()).containsExactly(Map.entry(hashType, hash(hashType, src)));
        assertThat(f.modTime()).isNotNull();
        if (remote == sftp) assertThat(rclone.stat(target, "sha1").orElseThrow().hashes()).containsEntry("sha1", hash("sha1", src));
        assertThat(rclone.stat(target, null).orElseThrow().hashes()).isEmpty();
        assertThat(backing(remote, target)).hasSameBinaryContentAs(src);
    }

    @OnEachRemote
    void uploadReplacesADamagedCopyOfTheSameSizeAndTime(String name) throws Exception {
        Remote remote = remote(name);
        String target = Rclone.join(freshDir(remote), "a.dump");
        Path src = put(remote, target, 10_000);
        Path stored = backing(remote, target);
        byte[] damaged = Files.readAllBytes(stored);
        damaged[5] ^= 1;
        var time = Files.getLastModifiedTime(stored);
        Files.write(stored, damaged);
        Files.setLastModifiedTime(stored, time);

        rclone(remote).upload(src, target);

        assertThat(stored).hasSameBinaryContentAs(src);
    }

    @OnEachRemote
    void statOfAMissingFileIsEmpty(String name) {
        Remote remote = remote(name);
        String dir = freshDir(remote);
        assertThat(rclone(remote).stat(Rclone.join(dir, "nope.dump"), "md5")).isEmpty();
        assertThat(rclone(remote).stat(Rclone.join(dir, "no", "such", "dir.dump"), null)).isEmpty();
    }

    @OnEachRemote
    void listIsRecursiveWithRelativePathsAndEmptyForAMissingDirectory(String name) throws Exception {
        Remote remote = remote(name);
        String dir = freshDir(remote);
        put(remote, Rclone.join(dir, "one.dump"), 10);
        put(remote, Rclone.join(dir, "weekly", "two.dump"), 20);
        put(remote, Rclone.join(dir, "weekly", "deep", "three.dump"), 30);

        List<RemoteFile> files = rclone(remote).list(dir);

        assertThat(files).extracting(RemoteFile::path).containsExactly("one.dump", "weekly/deep/three.dump", "weekly/two.dump");
        assertThat(files).extracting(RemoteFile::size).containsExactly(10L, 30L, 20L);
        assertThat(files).allSatisfy(f -> assertThat(f.hashes()).isEmpty());
        assertThat(rclone(remote).list(Rclone.join(freshDir(remote), "missing"))).isEmpty();
    }

    @OnEachRemote
    void downloadIsCompleteAndLeavesNoPartialFile(String name) throws Exception {
        Remote remote = remote(name);
        String target = Rclone.join(freshDir(remote), "a.dump");
        Path src = put(remote, target, 300_000);
        Path got = tmp.resolve("restore dir/a.dump");

        rclone(remote).download(target, got);

        assertThat(got).hasSameBinaryContentAs(src);
        try (var in = Files.list(got.getParent())) {
            assertThat(in.toList()).containsExactly(got);
        }
    }

    @OnEachRemote
    void downloadOfAMissingFileFailsClearlyAndLeavesNothing(String name) throws Exception {
        Remote remote = remote(name);
        String missing = Rclone.join(freshDir(remote), "gone.dump");
        Path got = tmp.resolve("gone.dump");

        OpsException e = catchThrowableOfType(OpsException.class, () -> rclone(remote, 2).download(missing, got));

        assertThat(e.exitCode()).isEqualTo(ExitCode.REMOTE_FAILED);
        assertThat(e.getMessage()).isEqualTo("download of " + missing + " failed: not found on the remote");
        try (var in = Files.list(tmp)) {
            assertThat(in.toList()).isEmpty();
        }
    }

    @OnEachRemote
    void catStreamsTheBytesAndAMissingFileFails(String name) throws Exception {
        Remote remote = remote(name);
        String target = Rclone.join(freshDir(remote), "a.dump");
        Path src = put(remote, target, 100_000);
        var out = new ByteArrayOutputStream();

        rclone(remote).cat(target, out);

        assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(src));
        String missing = Rclone.join(freshDir(remote), "gone.dump");
        OpsException e = catchThrowableOfType(OpsException.class, () -> rclone(remote).cat(missing, new ByteArrayOutputStream()));
        assertThat(e.exitCode()).isEqualTo(ExitCode.REMOTE_FAILED);
        assertThat(e.getMessage()).contains(missing, "not found");
    }

    @OnEachRemote
    void deleteFileRemovesOneFileAndAMissingOneIsFine(String name) throws Exception {
        Remote remote = remote(name);
        Rclone rclone = rclone(remote);
        String dir = freshDir(remote);
        put(remote, Rclone.join(dir, "a.dump"), 10);
        put(remote, Rclone.join(dir, "b.dump"), 10);

        rclone.deleteFile(Rclone.join(dir, "a.dump"));
        rclone.deleteFile(Rclone.join(dir, "a.dump"));
        rclone.deleteFile(Rclone.join(dir, "never", "there.dump"));

        assertThat(rclone.list(dir)).extracting(RemoteFile::path).containsExactly("b.dump");
    }

    @OnEachRemote
    void fetchAllBringsOnlyTheMatchingFilesKeepingRelativePaths(String name) throws Exception {
        Remote remote = remote(name);
        Rclone rclone = rclone(remote);
        String dir = freshDir(remote);
        Path manifest = put(remote, Rclone.join(dir, "weekly", "a.manifest.json"), 10);
        put(remote, Rclone.join(dir, "daily", "b.manifest.json"), 11);
        put(remote, Rclone.join(dir, "weekly", "a.dump"), 12);
        put(remote, Rclone.join(dir, "manifest.json.bak"), 13);
        Path into = Files.createDirectories(tmp.resolve("fetched"));
        Path mine = Files.writeString(into.resolve("keep.txt"), "not from the remote");

        List<Path> got = rclone.fetchAll(dir, ".manifest.json", into);

        assertThat(got).containsExactlyInAnyOrder(into.resolve("weekly/a.manifest.json"), into.resolve("daily/b.manifest.json"));
        assertThat(into.resolve("weekly/a.manifest.json")).hasSameBinaryContentAs(manifest);
        try (var all = Files.walk(into)) {
            assertThat(all.filter(Files::isRegularFile).toList()).containsExactlyInAnyOrder(mine,
                    into.resolve("weekly/a.manifest.json"), into.resolve("daily/b.manifest.json"));
        }
        assertThat(rclone.fetchAll(Rclone.join(dir, "missing"), ".manifest.json", into)).isEmpty();
    }

    @Test
    void hashTypesPerBackend() {
        assertThat(rclone(local).hashTypes(local.remote())).contains("md5", "sha1", "sha256");
        assertThat(rclone(sftp).hashTypes(sftp.remote())).containsExactly("md5", "sha1");
        assertThat(rclone(s3).hashTypes(s3.remote())).containsExactly("md5");
    }

    @Test
    void aRemoteThatIsDownFailsAfterRetriesPlusOneAttemptsWithBackoff() throws Exception {
        Path program = countingRclone();
        Config cfg = config(down, "RCLONE", program.toString(), "RCLONE_FLAGS", " --contimeout 2s   --low-level-retries 1 ",
                "REMOTE_RETRIES", "2", "REMOTE_RETRY_DELAY_SECONDS", "1");
        Log log = Fixtures.log(cfg);
        String target = Rclone.join(down.remote(), "weekly", "a.dump");
        long start = System.nanoTime();

        OpsException e = catchThrowableOfType(OpsException.class, () -> Rclone.from(cfg, log).upload(file("a.dump", 10), target));

        double secs = (System.nanoTime() - start) / 1e9;
        assertThat(e.exitCode()).isEqualTo(ExitCode.REMOTE_FAILED);
        assertThat(e.getMessage()).startsWith("upload of a.dump to " + target + " failed after 3 attempts: rclone: ")
                .contains("downtest:", "connection refused").doesNotContain("\n");
        assertThat(e.hint()).contains("lsf downtest: --config " + down.configFile());
        assertThat(runs()).isEqualTo(3);
        assertThat(secs).isBetween(3.0, 20.0);
        List<String> warnings = Files.readAllLines(log.file()).stream().filter(l -> l.contains(" WARN ")).toList();
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains("(attempt 1 of 3); trying again in 1 s");
        assertThat(warnings.get(1)).contains("(attempt 2 of 3); trying again in 2 s");
    }

    @Test
    void aMissingConfigFileIsAUsageErrorWithoutRunningRclone() {
        Path missing = tmp.resolve("config/rclone.conf");
        Rclone rclone = new Rclone("rclone", missing, List.of(), 3, Duration.ofSeconds(10), log());

        OpsException e = catchThrowableOfType(OpsException.class, () -> rclone.list("gdrive:backups"));

        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(e.getMessage()).isEqualTo("rclone config file not found: " + missing + " (needed for remote gdrive:)");
        assertThat(e.hint()).contains("rclone config --config " + missing, "config/rclone.conf.example");
    }

    @Test
    void aLocalPathNeedsNoConfigFile() throws Exception {
        Rclone rclone = new Rclone("rclone", tmp.resolve("absent.conf"), List.of(), 0, Duration.ZERO, log());
        Path dir = Files.createDirectories(tmp.resolve("plain dir"));
        rclone.upload(file("a.dump", 10), Rclone.join(dir.toString(), "weekly", "a.dump"));
        assertThat(rclone.list(dir.toString())).extracting(RemoteFile::path).containsExactly("weekly/a.dump");
    }

    @Test
    void aRemoteNameMissingFromTheConfigIsAUsageErrorAndNotRetried() throws Exception {
        Path program = countingRclone();
        Rclone rclone = new Rclone(program.toString(), local.configFile(), List.of(), 3, Duration.ofSeconds(10), log());

        OpsException e = catchThrowableOfType(OpsException.class, () -> rclone.upload(file("a.dump", 10), "nosuch:backups/a.dump"));

        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(e.getMessage()).isEqualTo("remote nosuch: not found in rclone config " + local.configFile());
        assertThat(e.hint()).contains("rclone config --config " + local.configFile());
        assertThat(runs()).isEqualTo(1);
    }

    @Test
    void aMissingProgramIsAUsageErrorNamingHowToInstall() {
        Rclone rclone = new Rclone("/nonexistent/rclone", local.configFile(), List.of(), 3, Duration.ofSeconds(10), log());

        OpsException e = catchThrowableOfType(OpsException.class, () -> rclone.hashTypes(local.remote()));

        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(e.getMessage()).isEqualTo("rclone not found or not runnable: /nonexistent/rclone");
        assertThat(e.hint()).contains("https://rclone.org/install/", "winget install Rclone.Rclone", "apt-get install rclone", "RCLONE");
    }

    @Test
    void aWrongPasswordIsNotRetried() throws Exception {
        Path program = countingRclone();
        Path conf = tmp.resolve("wrong.conf");
        String obscuredWrong = Proc.run(List.of("rclone", "obscure", "wrong password"), Map.of(), Duration.ofSeconds(10)).stdout().strip();
        Files.writeString(conf, Files.readString(sftp.configFile()).replaceFirst("(?m)^pass = .*$", "pass = " + obscuredWrong));
        Rclone rclone = new Rclone(program.toString(), conf, List.of(), 3, Duration.ofSeconds(10), log());

        OpsException e = catchThrowableOfType(OpsException.class, () -> rclone.list(sftp.remote()));

        assertThat(e.exitCode()).isEqualTo(ExitCode.REMOTE_FAILED);
        assertThat(e.getMessage()).startsWith("listing " + sftp.remote() + " failed: rclone: ").contains("unable to authenticate");
        assertThat(e.hint()).contains("credentials of remote sftptest:");
        assertThat(e.oneLine()).doesNotContain("wrong password").doesNotContain(obscuredWrong);
        assertThat(runs()).isEqualTo(1);
    }

    @Test
    void aBadFlagInRcloneFlagsIsAUsageError() {
        Rclone rclone = Rclone.from(config(local, "RCLONE_FLAGS", "--no-such-flag"), log());

        OpsException e = catchThrowableOfType(OpsException.class, () -> rclone.list(local.remote()));

        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(e.getMessage()).contains("unknown flag: --no-such-flag");
        assertThat(e.hint()).contains("RCLONE_FLAGS");
    }

    @Test
    void anEncryptedConfigWithoutItsPasswordIsAUsageErrorInsteadOfAPrompt() throws Exception {
        Path conf = Files.writeString(tmp.resolve("encrypted.conf"), "# Encrypted rclone configuration File\n\nRCLONE_ENCRYPT_V0:\n"
                + "A".repeat(64) + "\n");
        Rclone rclone = new Rclone("rclone", conf, List.of(), 3, Duration.ofSeconds(10), log());

        OpsException e = catchThrowableOfType(OpsException.class, () -> rclone.list("gdrive:backups"));

        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(e.getMessage()).isEqualTo("rclone config " + conf + " is encrypted and no password was given");
        assertThat(e.hint()).contains("RCLONE_CONFIG_PASS");
    }

    @Test
    void anAwsCaBundleThatRclonesS3BackendCannotUseIsAUsageErrorWithAHint() throws Exception {
        Path bundle = Files.writeString(tmp.resolve("ca.pem"), "");
        Path program = Fixtures.shellScript(tmp.resolve("rclone-ca"), "export AWS_CA_BUNDLE='" + bundle + "'\nexec rclone \"$@\"\n");
        Rclone rclone = new Rclone(program.toString(), s3.configFile(), List.of(), 3, Duration.ofSeconds(10), log());

        OpsException e = catchThrowableOfType(OpsException.class, () -> rclone.list(s3.remote()));

        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(e.getMessage()).startsWith("listing " + s3.remote() + " failed: rclone: ").contains("LoadCustomCABundleError");
        assertThat(e.hint()).contains("unset it", "--ca-cert");
    }

    @Test
    void progressLineRendersRcloneStatsFromARealTransfer() throws Exception {
        Path src = file("big.dump", 3 << 20);
        Proc.Result r = Proc.run(List.of("rclone", "copyto", "--config", local.configFile().toString(), "--use-json-log", "--stats", "1s",
                "--stats-log-level", "NOTICE", src.toString(), tmp.resolve("copy.dump").toString()), Map.of(), Duration.ofSeconds(30));
        assertThat(r.ok()).isTrue();

        List<String> lines = new ArrayList<>();
        r.stderr().lines().forEach(l -> Rclone.progressLine("upload big.dump", l).ifPresent(lines::add));

        assertThat(lines).isNotEmpty();
        assertThat(lines.get(lines.size() - 1))
                .matches("upload big\\.dump: 3\\.0 MB / 3\\.0 MB \\(100 %\\), [0-9.]+ (B|KB|MB|GB)/s(, ETA \\d+ s)?");
        assertThat(Rclone.progressLine("x", "{\"level\":\"error\",\"msg\":\"boom\"}")).isEmpty();
        assertThat(Rclone.progressLine("x", "2024/01/01 00:00:00 NOTICE: hello")).isEmpty();
    }

    /** rclone behind a wrapper that counts its runs, for {@link #runs()}. */
    private Path countingRclone() {
        return Fixtures.shellScript(tmp.resolve("rclone-counting"), "echo run >> '" + tmp.resolve("runs") + "'\nexec rclone \"$@\"\n");
    }

    private long runs() throws IOException {
        return Files.readAllLines(tmp.resolve("runs")).size();
    }

    private Rclone rclone(Remote remote) { return rclone(remote, 0); }

    private Rclone rclone(Remote remote, int retries) {
        return new Rclone(remote.program(), remote.configFile(), List.of("--contimeout", "5s", "--low-level-retries", "1"),
                retries, Duration.ZERO, log());
    }

    private Config config(Remote remote, String... overrides) {
        Map<String, String> o = new HashMap<>(remote.settings());
        for (int i = 0; i + 1 < overrides.length; i += 2) o.put(overrides[i], overrides[i + 1]);
        return Config.load(null, Map.of(), Map.of("RA_INFRA_HOME", tmp.resolve("home").toString())).with(o);
    }

    private Log log() { return new Log(tmp.resolve("logs"), "test"); }

    /** A file of random bytes in the test's temp directory. */
    private Path file(String name, int size) throws IOException {
        byte[] data = new byte[size];
        new Random(name.hashCode()).nextBytes(data);
        return Files.write(tmp.resolve(name), data);
    }

    /** The file behind a remote path, in the remote's own directory. */
    private static Path backing(Remote remote, String remotePath) {
        return remote.dir().orElseThrow().resolve(remotePath.substring(remote.remote().length() + 1));
    }

    /** A random local file named like the last part of {@code remotePath}, uploaded there; returns the local file. */
    private Path put(Remote remote, String remotePath, int size) throws IOException {
        Path src = file(remotePath.substring(remotePath.lastIndexOf('/') + 1), size);
        rclone(remote).upload(src, remotePath);
        return src;
    }

    /** A directory on the remote that no other test uses. */
    private static String freshDir(Remote remote) {
        return Rclone.join(remote.remote(), "t-" + UUID.randomUUID().toString().substring(0, 8));
    }

    private static String hash(String type, Path file) throws Exception {
        String algorithm = Map.of("md5", "MD5", "sha1", "SHA-1", "sha256", "SHA-256").get(type);
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(Files.readAllBytes(file)));
    }
}
