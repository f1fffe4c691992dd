package tests;

import lib.SafeFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tests.support.Scripts;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ./jbang (and .jbang/Launch.java behind it, which jbang.cmd runs too) as users and schedulers start it:
 * real processes, each test with a JBang cache of its own. Concurrent cold starts of the same and of
 * different scripts all succeed; a damaged build is rebuilt with one line; a changed source is never
 * served from the record; a recorded build starts without JBang.
 */
class LaunchTest {
    /** One small script with a source in a lib/ folder: quick to build, and it says which sources it saw. */
    private static final String HELLO = """
            ///usr/bin/env jbang "$0" "$@" ; exit $?
            //SOURCES lib/**.java
            class hello {
                public static void main(String... args) {
                    System.out.println("greeting=" + lib.Greeting.TEXT + " extra=" + present("lib.Extra") + " args=" + String.join("|", args));
                }
                static boolean present(String name) {
                    try { Class.forName(name); return true; } catch (ClassNotFoundException e) { return false; }
                }
            }
            """;

    private static Path projectCache;

    @TempDir Path dir;

    @BeforeAll
    static void emptyCache() throws IOException { projectCache = Files.createTempDirectory("ra-launcher-cache"); }

    @AfterAll
    static void dropCache() { SafeFiles.deleteTree(projectCache); }

    private record Run(int exit, String out, String err) {}

    private static Process start(Path cache, Map<String, String> env, Path out, Path err, String script, String... args) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("JBANG_CACHE_DIR", cache.toString());
        return Scripts.start(all, out, err, script, args);
    }

    private Run run(Path cache, Map<String, String> env, String script, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt"), err = Files.createTempFile(dir, "err", ".txt");
        Process p = start(cache, env, out, err, script, args);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).as(script + " finished").isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Run run(Path cache, String script, String... args) throws Exception { return run(cache, Map.of(), script, args); }

    private Path hello() throws IOException {
        Path script = dir.resolve("hello/hello.java");
        Files.createDirectories(script.resolveSibling("lib"));
        Files.writeString(script, HELLO);
        greeting("one");
        return script;
    }

    private void greeting(String text) throws IOException {
        Files.writeString(dir.resolve("hello/lib/Greeting.java"), "package lib;\npublic class Greeting { public static final String TEXT = \"" + text + "\"; }\n");
    }

    private static long rebuiltLines(Run r) { return r.err().lines().filter(l -> l.startsWith("jbang: rebuilt ")).count(); }

    @Test
    void concurrentColdStartsOfTheSameAndOfDifferentScriptsAllSucceedAndSoDoTheRunsAfterThem() throws Exception {
        List<Process> runs = new ArrayList<>();
        List<Path> outs = new ArrayList<>(), errs = new ArrayList<>();
        for (String script : List.of("health-check.java", "backup.java", "health-check.java", "health-check.java", "backup.java",
                "health-check.java")) {
            outs.add(Files.createTempFile(dir, "out", ".txt"));
            errs.add(Files.createTempFile(dir, "err", ".txt"));
            runs.add(start(projectCache, Map.of(), outs.get(outs.size() - 1), errs.get(errs.size() - 1), script, "--version"));
        }
        for (int i = 0; i < runs.size(); i++) {
            assertThat(runs.get(i).waitFor(15, TimeUnit.MINUTES)).as("run " + i + " finished").isTrue();
            String all = Files.readString(outs.get(i)) + Files.readString(errs.get(i));
            assertThat(runs.get(i).exitValue()).as("cold run %d: %s", i, all).isZero();
            assertThat(Files.readString(outs.get(i))).startsWith("ra-infrastructure ");
        }

        for (String script : List.of("health-check.java", "backup.java")) {
            Run after = run(projectCache, script, "--version");
            assertThat(after.exit()).as(after.err()).isZero();
            assertThat(after.out()).startsWith("ra-infrastructure ");
            assertThat(after.err()).isEmpty();
        }
    }

    /** Ways a build in JBang's cache gets broken. */
    enum Damage {
        TRUNCATED {
            @Override void apply(Path jar) throws IOException {
                try (FileChannel ch = FileChannel.open(jar, StandardOpenOption.WRITE)) {
                    ch.truncate(ch.size() / 2);
                }
            }
        },
        DELETED {
            @Override void apply(Path jar) throws IOException { Files.delete(jar); }
        },
        /** The main class's bytes changed in place: JBang still runs such a jar, and it fails every time. */
        CORRUPTED {
            @Override void apply(Path jar) throws IOException {
                byte[] b = Files.readAllBytes(jar), name = "hello.class".getBytes(StandardCharsets.US_ASCII);
                int at = 0;
                while (!java.util.Arrays.equals(b, at, at + name.length, name, 0, name.length)) at++;
                // the first occurrence is the local header's, followed by its extra field and then the data
                int data = at + name.length + ((b[at - 2] & 0xff) | (b[at - 1] & 0xff) << 8);
                for (int i = data; i < data + 8; i++) b[i] ^= 0x5a;
                Files.write(jar, b);
            }
        },
        MAIN_CLASS_MISSING {
            @Override void apply(Path jar) throws IOException {
                Path copy = jar.resolveSibling("copy.zip");
                try (ZipFile in = new ZipFile(jar.toFile()); OutputStream os = Files.newOutputStream(copy); ZipOutputStream out = new ZipOutputStream(os)) {
                    for (ZipEntry e : java.util.Collections.list(in.entries())) {
                        if (e.getName().equals("hello.class")) continue;
                        out.putNextEntry(new ZipEntry(e.getName()));
                        in.getInputStream(e).transferTo(out);
                    }
                }
                Files.move(copy, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        };

        abstract void apply(Path jar) throws IOException;
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aDamagedBuildIsRebuiltByTheNextRunWithOneLine(Damage damage) throws Exception {
        Path cache = dir.resolve("cache"), script = hello();
        assertThat(run(cache, script.toString()).exit()).isZero();
        Path jar;
        try (Stream<Path> jars = Files.walk(cache.resolve("jars"))) {
            jar = jars.filter(p -> p.getFileName().toString().equals("hello.jar")).findFirst().orElseThrow();
        }

        damage.apply(jar);
        Run repaired = run(cache, script.toString(), "a");
        Run after = run(cache, script.toString(), "b");

        assertThat(repaired.exit()).as(repaired.err()).isZero();
        assertThat(repaired.out()).contains("greeting=one").contains("args=a");
        assertThat(rebuiltLines(repaired)).as(repaired.err()).isEqualTo(1);
        assertThat(repaired.err()).contains("jbang: rebuilt hello.java: its cached build was broken (");
        assertThat(after.exit()).as(after.err()).isZero();
        assertThat(after.out()).contains("args=b");
        assertThat(after.err()).isEmpty();
    }

    @Test
    void aChangedSourceANewSourceOrAChangedDepsLineIsBuiltAgainNotRunFromTheRecord() throws Exception {
        Path cache = dir.resolve("cache"), script = hello();
        Run first = run(cache, script.toString());
        greeting("two");
        Run changed = run(cache, script.toString());
        Files.writeString(dir.resolve("hello/lib/Extra.java"), "package lib;\npublic class Extra {}\n");
        Run added = run(cache, script.toString());
        Files.writeString(script, HELLO.replace("//SOURCES", "//DEPS info.picocli:picocli:4.7.7\n//SOURCES")
                .replace("\" args=\"", "\" picocli=\" + present(\"picocli.CommandLine\") + \" args=\""));
        Run deps = run(cache, script.toString());
        Run again = run(cache, script.toString());

        assertThat(first.out()).contains("greeting=one extra=false");
        assertThat(changed.out()).contains("greeting=two extra=false");
        assertThat(added.out()).contains("greeting=two extra=true");
        assertThat(deps.out()).as(deps.err()).contains("picocli=true");
        assertThat(again.out()).contains("greeting=two extra=true picocli=true");
        assertThat(again.err()).isEmpty();
        assertThat(Stream.of(first, changed, added, deps, again)).allMatch(r -> r.exit() == 0).noneMatch(r -> rebuiltLines(r) > 0);
    }

    /** The launcher's settings as ./jbang computes them. */
    private static Path bootstrapDir() throws IOException {
        String version = Files.readAllLines(Scripts.root().resolve("jbang")).stream().filter(l -> l.startsWith("VERSION="))
                .findFirst().orElseThrow().substring("VERSION=".length());
        String set = System.getenv("JBANG_BOOTSTRAP_DIR"), xdg = System.getenv("XDG_CACHE_HOME");
        if (set != null && !set.isEmpty()) return Path.of(set);
        return (xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("jbang-bootstrap/" + version);
    }

    /** A bootstrap folder with the compiled helper but none of JBang's jars: JBang cannot start from it. */
    private Path bootstrapWithoutJbang() throws IOException {
        Path from = bootstrapDir(), to = dir.resolve("bootstrap");
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                if (p.toString().endsWith(".jar")) continue;
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
        return to;
    }

    @Test
    void aRecordedBuildStartsWithoutJbang() throws Exception {
        Path cache = dir.resolve("cache"), script = hello();
        Run recorded = run(cache, script.toString(), "x y", "it's", "$HOME");
        Map<String, String> noJbang = Map.of("JBANG_BOOTSTRAP_DIR", bootstrapWithoutJbang().toString(), "JBANG_BOOTSTRAP_FORCE", "1");

        Run direct = run(cache, noJbang, script.toString(), "x y", "it's", "$HOME");
        greeting("changed");
        Run needsJbang = run(cache, noJbang, script.toString());

        assertThat(recorded.exit()).as(recorded.err()).isZero();
        assertThat(direct.exit()).as(direct.err()).isZero();
        assertThat(direct.out()).isEqualTo(recorded.out()).contains("args=x y|it's|$HOME");
        assertThat(needsJbang.exit()).as("a changed source goes to JBang, which is not there").isNotZero();
    }

    @Test
    void forCmdTheCommandIsQuotedAsJbangQuotesIt() throws Exception {
        Path cache = dir.resolve("cache"), script = hello();
        Path boot = bootstrapDir();
        assertThat(run(cache, script.toString()).exit()).isZero();
        String version = Files.readString(boot.resolve("launch/current")).strip();

        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-classpath",
                boot.resolve("launch/" + version).toString(), "Launch", boot.toString(), Scripts.root().toString(), script.toString(),
                "plain", "b c", "d\"e", "%x%", "a&b").redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("JBANG_CACHE_DIR", cache.toString());
        pb.environment().put("JBANG_RUNTIME_SHELL", "cmd");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();

        assertThat(p.waitFor()).isEqualTo(255);
        assertThat(out).matches("\\^\"[^ ]+java\\^\" \\^\"@[^ ]+\\.args\\^\" plain \\^\"b\\^ c\\^\" \\^\"d\\\\\\^\"e\\^\" \\^\"\\^%x\\^%\\^\" \\^\"a\\^&b\\^\"");
    }

    @Test
    void theWindowsLauncherKeepsCrlfLineEndsAndRunsTheSameHelper() throws Exception {
        byte[] cmd = Files.readAllBytes(Scripts.root().resolve("jbang.cmd"));
        String text = new String(cmd, StandardCharsets.US_ASCII);

        assertThat(text.replace("\r\n", "")).as("every line ends in CRLF").doesNotContain("\n");
        assertThat(text).contains("Launch \"%JB_DIR%\" \"%JB_HOME%.\" %*").contains("%JB_HOME%.jbang\\Launch.java\"")
                .contains("checked on Windows: not yet");
        assertThat(Files.readString(Scripts.root().resolve(".gitattributes"))).contains("*.cmd text eol=crlf");
    }
}
