package tests.support;

import lib.Proc;
import lib.SafeFiles;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Throwaway rclone remotes on this machine, each with its own temp directory and rclone config file:
 * a local-path remote, {@code rclone serve sftp} on loopback (md5 and sha1 through its md5sum/sha1sum
 * commands), an in-process S3 server (s3proxy on the filesystem; md5) and a "down" sftp remote aimed at a
 * closed port. Close them after use (they are also closed at JVM exit).
 */
public final class Remotes {
    /** The rclone the remotes are served and used with. */
    public static final String RCLONE = "rclone";
    private static final Duration START_WAIT = Duration.ofSeconds(15);

    private Remotes() {}

    /**
     * One remote: its rclone config file, the REMOTE string (a "backups" folder on it), the local directory
     * behind that folder where there is one (to inspect or damage files directly; it may not exist before the
     * first upload), and the rclone program to use with it. Not a {@code @ParameterizedTest} argument: JUnit closes
     * AutoCloseable arguments after each invocation (pass a name and look the remote up, as RcloneTest does).
     */
    public static final class Remote implements AutoCloseable {
        private final Path root;
        private final Path configFile;
        private final String remote;
        private final Path dir;
        private final String program;
        private final AutoCloseable server;
        private boolean closed;

        private Remote(Path root, Path configFile, String remote, Path dir, String program, AutoCloseable server) {
            this.root = root;
            this.configFile = configFile;
            this.remote = remote;
            this.dir = dir;
            this.program = program;
            this.server = server;
            Runtime.getRuntime().addShutdownHook(new Thread(this::close));
        }

        public Path configFile() { return configFile; }

        /** The REMOTE setting, e.g. {@code sftptest:backups}. */
        public String remote() { return remote; }

        /** The local directory that holds the files of {@link #remote()}; empty for the down remote. */
        public Optional<Path> dir() { return Optional.ofNullable(dir); }

        /** RCLONE for this remote: plain rclone, or for s3 a wrapper without AWS_CA_BUNDLE (see {@link #s3()}). */
        public String program() { return program; }

        /** REMOTE, RCLONE and RCLONE_CONFIG, ready for {@code Config.with(...)}. */
        public Map<String, String> settings() {
            return Map.of("REMOTE", remote, "RCLONE", program, "RCLONE_CONFIG", configFile.toString());
        }

        /** Stops the server and deletes the temp directory, config and files included. */
        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            try {
                if (server != null) server.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot stop the server behind " + remote, e);
            } finally {
                SafeFiles.deleteTree(root);
            }
        }

        @Override
        public String toString() { return remote; }
    }

    /** A local directory as an rclone remote ({@code type = local}): every hash rclone knows, sha256 included. */
    public static Remote local() {
        Path root = tempDir("ra-remote-local-");
        Path dir = mkdirs(root.resolve("backups"));
        Path conf = write(root.resolve("rclone.conf"), "[localtest]\ntype = local\n");
        return new Remote(root, conf, "localtest:" + dir, dir, RCLONE, null);
    }

    /**
     * {@code rclone serve sftp} on a free loopback port with a user and password, as a child process. Its
     * directory cache is off, so files changed in {@link Remote#dir()} are seen at once.
     */
    public static Remote sftp() {
        Path root = tempDir("ra-remote-sftp-");
        Path served = mkdirs(root.resolve("served"));
        Path dir = mkdirs(served.resolve("backups"));
        String user = "ra-test";
        String password = "pw " + UUID.randomUUID();
        int port = TestContainer.freePort();
        Path log = root.resolve("serve.log");
        Process p;
        try {
            // the password goes in the environment (rclone reads --pass from RCLONE_PASS), never in argv
            ProcessBuilder pb = new ProcessBuilder(RCLONE, "serve", "sftp", "--config", write(root.resolve("serve.conf"), "").toString(),
                    "--cache-dir", root.resolve("cache").toString(),
                    "--authorized-keys", write(root.resolve("authorized_keys"), "").toString(),
                    "--dir-cache-time", "0s", "--addr", "127.0.0.1:" + port, "--user", user, served.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("RCLONE_PASS", password);
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start rclone serve sftp (is rclone installed?)", e);
        }
        try {
            awaitPort(port, p, log);
        } catch (RuntimeException e) {
            stop(p);
            SafeFiles.deleteTree(root);
            throw e;
        }
        Path conf = write(root.resolve("rclone.conf"), sftpSection("sftptest", port, user, password));
        return new Remote(root, conf, "sftptest:backups", dir, RCLONE, () -> stop(p));
    }

    /**
     * s3proxy in this JVM on a free loopback port, storing objects as files under the temp directory, with a
     * bucket; REMOTE is a prefix in it. rclone 1.60's s3 backend refuses to start when AWS_CA_BUNDLE is set
     * (LoadCustomCABundleError), which this machine's environment does: {@link Remote#program()} is a wrapper
     * that unsets it for rclone alone.
     */
    public static Remote s3() {
        Path root = tempDir("ra-remote-s3-");
        Path store = mkdirs(root.resolve("store"));
        String bucket = "ra-test";
        String key = "ra-test-key";
        String secret = "secret " + UUID.randomUUID();
        S3Proxy proxy;
        try {
            var blobs = new FilesystemNio2BlobStore(store.toString());
            blobs.createContainer(bucket);
            proxy = S3Proxy.builder().blobStore(blobs).endpoint(URI.create("http://127.0.0.1:0"))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, key, secret).build();
            proxy.start();
            long deadline = System.nanoTime() + START_WAIT.toNanos();
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
                Thread.sleep(10);
            }
        } catch (Exception e) {
            SafeFiles.deleteTree(root);
            throw new IllegalStateException("cannot start s3proxy", e);
        }
        Path conf = write(root.resolve("rclone.conf"), "[s3test]\ntype = s3\nprovider = Other\nenv_auth = false\n"
                + "access_key_id = " + key + "\nsecret_access_key = " + secret + "\n"
                + "endpoint = http://127.0.0.1:" + proxy.getPort() + "\nregion = us-east-1\n");
        Path wrapper = Fixtures.shellScript(root.resolve("rclone-s3"), "unset AWS_CA_BUNDLE\nexec " + RCLONE + " \"$@\"\n");
        S3Proxy running = proxy;
        return new Remote(root, conf, "s3test:" + bucket + "/backups", store.resolve(bucket).resolve("backups"),
                wrapper.toString(), running::stop);
    }

    /** An sftp remote aimed at a loopback port nothing listens on: every call fails with "connection refused". */
    public static Remote down() {
        Path root = tempDir("ra-remote-down-");
        Path conf = write(root.resolve("rclone.conf"), sftpSection("downtest", TestContainer.freePort(), "ra-test", "unused"));
        return new Remote(root, conf, "downtest:backups", null, RCLONE, null);
    }

    private static String sftpSection(String name, int port, String user, String password) {
        return "[" + name + "]\ntype = sftp\nhost = 127.0.0.1\nport = " + port + "\nuser = " + user + "\npass = " + obscure(password)
                + "\nshell_type = unix\nmd5sum_command = md5sum\nsha1sum_command = sha1sum\n";
    }

    /** rclone's reversible "obscure" encoding, which rclone config files require for passwords (read from stdin). */
    private static String obscure(String password) {
        Proc.Result r = Proc.run(List.of(RCLONE, "obscure", "-"), Map.of(), Duration.ofSeconds(20),
                new ByteArrayInputStream(password.getBytes(StandardCharsets.UTF_8)), null);
        if (!r.ok()) throw new IllegalStateException("rclone obscure failed: " + r.lastError());
        return r.stdout().strip();
    }

    private static void awaitPort(int port, Process p, Path log) {
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) throw new IllegalStateException("rclone serve sftp exited: " + read(log));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                TestContainer.sleep(50);
            }
        }
        throw new IllegalStateException("rclone serve sftp not listening on port " + port + " after " + START_WAIT.toSeconds() + " s: "
                + read(log));
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path mkdirs(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
