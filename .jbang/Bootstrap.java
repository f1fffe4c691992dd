// Fetches JBang's jars (listed with their sha256 in jbang-cli.lock) from Maven Central into a cache
// dir, so ./jbang needs nothing but Java 17, and compiles the launchers' helper (.jbang/Launch.java)
// into <cache-dir>/launch/<first 16 hex digits of its sha256>/, naming that folder in
// <cache-dir>/launch/current. Run by the launchers as:
//   java .jbang/Bootstrap.java <cache-dir> <lock-file> [<Launch.java>]
// Each jar is checked against the lock, written under a per-process temp name and renamed into
// place, so concurrent first runs cannot corrupt the cache; <cache-dir>/.complete is written last,
// only when every jar is there. Env: JBANG_BOOTSTRAP_REPO (Maven repo base URL, e.g. a mirror),
// https_proxy (http://host:port) when the JVM has no https.proxyHost of its own.
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.*;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.CompletableFuture;
import javax.tools.ToolProvider;

public class Bootstrap {
    record Jar(String coords, String sha256) {
        // group:artifact:version[:classifier] -> Maven repository path and the file name mvn uses
        String fileName() {
            String[] p = coords.split(":");
            return p[1] + "-" + p[2] + (p.length > 3 ? "-" + p[3] : "") + ".jar";
        }
        String repoPath() {
            String[] p = coords.split(":");
            return p[0].replace('.', '/') + "/" + p[1] + "/" + p[2] + "/" + fileName();
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 && args.length != 3) fail("usage: java Bootstrap.java <cache-dir> <lock-file> [<Launch.java>]");
        Path dir = Path.of(args[0]), lock = Path.of(args[1]);
        List<Jar> jars = readLock(lock);
        String env = System.getenv("JBANG_BOOTSTRAP_REPO");
        String repo = (env == null || env.isBlank() ? "https://repo1.maven.org/maven2" : env).replaceAll("/+$", "");
        String version = jars.stream().filter(j -> j.coords.startsWith("dev.jbang:jbang-cli:"))
                .map(j -> j.coords.split(":")[2]).findFirst().orElse("?");
        Files.createDirectories(dir);

        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20)).proxy(proxy()).build();
        // Start all downloads at once (56 small jars: parallel is several times faster), keeping
        // the ones a previous or concurrent run already put in place and verified.
        Map<Jar, CompletableFuture<String>> pending = new LinkedHashMap<>();
        for (Jar jar : jars) {
            Path target = dir.resolve(jar.fileName());
            if (Files.isRegularFile(target) && jar.sha256.equals(sha256(Files.readAllBytes(target)))) continue;
            if (pending.isEmpty()) System.err.println("Fetching JBang " + version + " from "
                    + (env == null || env.isBlank() ? "Maven Central" : repo) + " (once)...");
            URI uri = URI.create(repo + "/" + jar.repoPath());
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2)).build();
            pending.put(jar, http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
                    .handle((resp, ex) -> store(jar, uri, resp, ex, target)));
        }
        // Report the first failure in lock order (one line); verified jars stay for the next run.
        for (var e : pending.entrySet()) {
            String error = e.getValue().join();
            if (error != null) fail(error);
        }
        if (!pending.isEmpty() || !Files.isRegularFile(dir.resolve(".complete"))) {
            Path tmp = dir.resolve(".complete." + ProcessHandle.current().pid() + ".tmp");
            Files.writeString(tmp, "dev.jbang:jbang-cli:" + version + " from " + repo + "\n");
            Files.move(tmp, dir.resolve(".complete"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        if (args.length == 3) compileHelper(Path.of(args[2]), dir.resolve("launch"));
    }

    // Each version of the helper gets a folder of its own that never changes once in place (runs may be
    // loading classes from it); "current" names the one to use and is replaced atomically.
    static void compileHelper(Path source, Path launchDir) throws IOException, InterruptedException {
        String version = sha256(Files.readAllBytes(source)).substring(0, 16);
        Path target = launchDir.resolve(version);
        if (!Files.isRegularFile(target.resolve("Launch.class"))) {
            var javac = ToolProvider.getSystemJavaCompiler();
            if (javac == null) fail("no Java compiler in " + System.getProperty("java.home") + "; install a JDK 17+ (not a JRE)");
            Path tmp = launchDir.resolve("." + version + "." + ProcessHandle.current().pid() + ".tmp");
            Files.createDirectories(tmp);
            if (javac.run(null, null, null, "-d", tmp.toString(), "-proc:none", source.toString()) != 0) fail("could not compile " + source);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                // another run put the same version in place first; ours is not needed
                if (!Files.isRegularFile(target.resolve("Launch.class"))) throw raced;
                try (var old = Files.walk(tmp)) {
                    for (Path p : old.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                }
            }
        }
        Path tmp = launchDir.resolve(".current." + ProcessHandle.current().pid() + ".tmp");
        Files.writeString(tmp, version); // no line end: cmd's `set /p` and sh's `read` both take it as it is
        for (int attempt = 1; ; attempt++) {
            try {
                Files.move(tmp, launchDir.resolve("current"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (IOException busy) {
                // Windows refuses to replace a file that a launcher is reading at this moment: try again shortly
                if (attempt == 20) throw busy;
                Thread.sleep(100);
            }
        }
    }

    // Verifies one download and moves it into place; returns an error line, or null when done.
    static String store(Jar jar, URI uri, HttpResponse<byte[]> resp, Throwable ex, Path target) {
        // no "install JBang instead": the launchers never use a jbang on PATH
        String fix = "; check network/proxy (https_proxy, or JBANG_BOOTSTRAP_REPO for a Maven mirror), then rerun";
        if (ex != null) return "could not download " + jar.coords + " from " + uri + ": " + rootCause(ex) + fix;
        if (resp.statusCode() != 200) return "could not download " + jar.coords + " from " + uri + ": HTTP " + resp.statusCode() + fix;
        String got = sha256(resp.body());
        if (!got.equals(jar.sha256))
            return "sha256 mismatch for " + jar.coords + " from " + uri + " (got " + got + ", lock has " + jar.sha256
                    + "); jar discarded: check network/proxy/mirror and rerun, or restore .jbang/jbang-cli.lock from git";
        // Temp name must not end in .jar: the launchers put "<dir>/*" (every .jar) on the classpath.
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.write(tmp, resp.body());
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException busy) {
                // Windows refuses to replace a jar another JVM has open; fine if that one is already right.
                if (!(Files.isRegularFile(target) && got.equals(sha256(Files.readAllBytes(target))))) throw busy;
            }
            return null;
        } catch (IOException e) {
            return "could not write " + target + " for " + jar.coords + ": " + e + "; check disk space and permissions"
                    + " (or set JBANG_BOOTSTRAP_DIR to a writable folder), then rerun";
        } finally {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
        }
    }

    // Lock format: "group:artifact:version[:classifier] sha256hex" per line; '#' starts a comment.
    static List<Jar> readLock(Path lock) throws IOException {
        List<Jar> jars = new ArrayList<>();
        for (String line : Files.readAllLines(lock)) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split("\\s+");
            if (f.length != 2 || !f[1].matches("[0-9a-f]{64}") || f[0].split(":").length < 3)
                fail("bad line in " + lock + ": '" + line + "'; restore the file from git");
            jars.add(new Jar(f[0], f[1]));
        }
        if (jars.isEmpty()) fail(lock + " lists no jars; restore it from git");
        return jars;
    }

    static ProxySelector proxy() {
        String p = System.getenv("https_proxy");
        if (p == null || p.isBlank()) p = System.getenv("HTTPS_PROXY");
        if (System.getProperty("https.proxyHost") != null || p == null || p.isBlank()) return ProxySelector.getDefault();
        URI u = URI.create(p.contains("://") ? p : "http://" + p);
        return ProxySelector.of(new InetSocketAddress(u.getHost(), u.getPort() == -1 ? 80 : u.getPort()));
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String rootCause(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    static void fail(String message) {
        System.err.println("jbang bootstrap: error: " + message);
        System.exit(1);
    }
}
