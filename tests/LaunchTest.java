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
import java.util.concurrent.CompletableFuture;
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

    /**
     * The helper compiled from this checkout's .jbang/Launch.java (compiled now if need be), by its folder's
     * name rather than launch/current, which launchers of other checkouts may point elsewhere meanwhile.
     */
    private static Path launchClasses() throws Exception {
        Path src = Scripts.root().resolve(".jbang"), boot = bootstrapDir();
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(src.resolve("Launch.java"))));
        Path classes = boot.resolve("launch/" + sha.substring(0, 16));
        if (!Files.isRegularFile(classes.resolve("Launch.class"))) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), src.resolve("Bootstrap.java").toString(),
                    boot.toString(), src.resolve("jbang-cli.lock").toString(), src.resolve("Launch.java").toString()).inheritIO().start();
            assertThat(p.waitFor()).isZero();
        }
        return classes;
    }

    /** A bootstrap folder with the compiled helper but none of JBang's jars: JBang cannot start from it. */
    private Path bootstrapWithoutJbang() throws Exception {
        Path from = bootstrapDir(), to = dir.resolve("bootstrap"), classes = launchClasses();
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                if (p.toString().endsWith(".jar")) continue;
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
        // launchers of other checkouts may have pointed it at their own version meanwhile
        Files.writeString(to.resolve("launch/current"), classes.getFileName() + "\n");
        return to;
    }

    @Test
    void aRecordedBuildStartsWithoutJbang() throws Exception {
        Path cache = dir.resolve("cache"), script = hello();
        Run recorded = run(cache, script.toString(), "x y", "it's", "$HOME");
        Map<String, String> noJbang = Map.of("JBANG_BOOTSTRAP_DIR", bootstrapWithoutJbang().toString());

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

        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-classpath",
                launchClasses().toString(), "Launch", boot.toString(), Scripts.root().toString(), script.toString(),
                "plain", "b c", "d\"e", "%x%", "a&b").redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("JBANG_CACHE_DIR", cache.toString());
        pb.environment().put("JBANG_RUNTIME_SHELL", "cmd");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();

        assertThat(p.waitFor()).isEqualTo(255);
        assertThat(out).matches("\\^\"[^ ]+java\\^\" \\^\"@[^ ]+\\.args\\^\" plain \\^\"b\\^ c\\^\" \\^\"d\\\\\\^\"e\\^\" \\^\"\\^%x\\^%\\^\" \\^\"a\\^&b\\^\"");
    }

    /** An executable sh script named {@code name} in a folder of its own, to put first on PATH. */
    private Path onPath(String name, String body) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin-" + name + "-" + System.nanoTime()));
        Path file = bin.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body);
        file.toFile().setExecutable(true);
        return bin;
    }

    private static String path(Path first) { return first + File.pathSeparator + System.getenv("PATH"); }

    @Test
    void aJbangFirstOnPathIsNeverRunScheduledRunsTakeTheProjectsOwnLaunchPath() throws Exception {
        Path script = hello(), marker = dir.resolve("fake-jbang-ran");
        Path bin = onPath("jbang", "touch '" + marker + "'\necho 'fake jbang' >&2\nexit 42\n");

        Run r = run(dir.resolve("cache"), Map.of("PATH", path(bin)), script.toString(), "a");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("greeting=one").contains("args=a");
        assertThat(marker).doesNotExist();
    }

    /** Runs ./jbang with a fake java first on PATH (and no JAVA_HOME) that prints {@code banner} for -version. */
    private Run withJava(String banner, Path cache, Path script) throws Exception {
        String real = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path bin = onPath("java", "if [ \"$1\" = -version ]; then printf '%s\\n' 'Picked up JAVA_TOOL_OPTIONS: -Dx=1' '" + banner
                + "' 'Runtime Environment' >&2; exit 0; fi\nexec '" + real + "' \"$@\"\n");
        ProcessBuilder pb = new ProcessBuilder(Scripts.root().resolve("jbang").toString(), script.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().remove("JAVA_HOME");
        pb.environment().put("PATH", path(bin));
        pb.environment().put("JBANG_CACHE_DIR", cache.toString());
        Process p = pb.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> text(p.getErrorStream()));
        String out = text(p.getInputStream());
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), out, err.join());
    }

    private static String text(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void javaOlderThan17FirstOnPathGetsOneClearLineAndNewerOnesRun() throws Exception {
        Path cache = dir.resolve("cache"), script = hello();

        Run java8 = withJava("java version \"1.8.0_392\"", cache, script);
        Run java17 = withJava("openjdk version \"17.0.9\" 2023-10-17", cache, script);
        Run java21 = withJava("openjdk version \"21\" 2023-09-19", cache, script);

        assertThat(java8.exit()).isEqualTo(1);
        assertThat(java8.err()).matches("jbang: Java 17\\+ needed, found Java 8 at /\\S+/bin-java-\\d+/java: install a JDK 17\\+ and put it "
                + "first on PATH \\(or set JAVA_HOME\\)\n");
        assertThat(java8.out()).isEmpty();
        assertThat(java17.exit()).as(java17.err()).isZero();
        assertThat(java17.out()).contains("greeting=one");
        assertThat(java21.exit()).as(java21.err()).isZero();
        assertThat(java21.out()).contains("greeting=one");
    }

    /**
     * A JVM's stdout in a Western Windows' default charset (Java 17 writes a redirected stdout in it). Only stdout:
     * with the default charset itself changed, Java 17 on Linux also reads environment variables in it, and so
     * misreads a non-ASCII JBANG_CACHE_DIR, which Windows (UTF-16 environment) does not show.
     */
    private static final String WINDOWS_STDOUT = "-Dsun.stdout.encoding=windows-1252";

    /** Every JVM of the launch (ours, JBang's, the script's) with that stdout: a non-ASCII path still gets through. */
    @Test
    void aNonAsciiCacheFolderWorksWhateverCharsetJavasStdoutHas() throws Exception {
        Path script = hello(), cache = dir.resolve("J\u00fcrgen/cache");

        Run r = run(cache, Map.of("JBANG_JAVA_OPTIONS", WINDOWS_STDOUT), script.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("greeting=one");
    }

    @Test
    void forCmdTheCommandLineIsWrittenInUtf8ForTheUtf8CodePage() throws Exception {
        Path script = hello(), cache = dir.resolve("J\u00fcrgen/cache"), boot = bootstrapDir();

        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), WINDOWS_STDOUT,
                "-classpath", launchClasses().toString(), "Launch", boot.toString(), Scripts.root().toString(),
                script.toString()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("JBANG_CACHE_DIR", cache.toString());
        pb.environment().put("JBANG_RUNTIME_SHELL", "cmd");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();

        assertThat(p.waitFor()).isEqualTo(255);
        String bytes = new String(out, StandardCharsets.ISO_8859_1);
        assertThat(bytes).contains(new String("J\u00fcrgen".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1))
                .doesNotContain("J\u00fcrgen");
    }

    /**
     * cmd's {@code for /f "tokens=N delims=D"}: the line split at any of D's characters (runs of them count
     * as one, and so do leading ones), the N-th piece, or null.
     */
    private static String forF(String options, String line) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("tokens=(\\d+)(?:,\\d+)*(?: delims=(.*))?").matcher(options);
        assertThat(m.matches()).as(options).isTrue();
        String delims = m.group(2) == null ? " \t" : m.group(2);
        List<String> tokens = new ArrayList<>();
        StringBuilder t = new StringBuilder();
        for (char c : (line + delims.charAt(0)).toCharArray()) {
            if (delims.indexOf(c) < 0) {
                t.append(c);
            } else if (t.length() > 0) {
                tokens.add(t.toString());
                t.setLength(0);
            }
        }
        int n = Integer.parseInt(m.group(1));
        return n <= tokens.size() ? tokens.get(n - 1) : null;
    }

    /** The options of the line's {@code for /f} loops, in order. */
    private static List<String> forOptions(String line) {
        List<String> out = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("for /f \"([^\"]*)\"").matcher(line);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    private static String cmdLine(String start) throws IOException {
        return Files.readAllLines(Scripts.root().resolve("jbang.cmd")).stream().filter(l -> l.startsWith(start)).findFirst().orElseThrow();
    }

    @Test
    void theWindowsLauncherReadsTheCodePageFromChcpInEnglishGermanAndFrench() throws Exception {
        String line = cmdLine("for /f \"tokens=2 delims=:\" %%G in ('chcp')");
        assertThat(line).endsWith("%%H in (\"%%G\") do set /a JB_CP=%%H 2>nul");
        List<String> loops = forOptions(line);
        assertThat(loops).hasSize(2);

        Map<String, Integer> answers = Map.of("Active code page: 437", 437, "Aktive Codepage: 850.", 850,
                "Page de codes active : 850", 850, "Active code page: 65001", 65001);
        answers.forEach((chcp, page) -> {
            String word = forF(loops.get(1), forF(loops.get(0), chcp));
            assertThat(Integer.parseInt(word)).as(chcp).isEqualTo(page);
        });
    }

    @Test
    void theWindowsLauncherReadsJavasMajorVersionFromItsBanner() throws Exception {
        String banner = cmdLine("for /f \"tokens=2,3\" %%A in ('\"\"%%JB_JAVA%%\" -version 2>&1\"')");
        String major = cmdLine("if defined JB_JV for /f ");
        assertThat(banner).endsWith("do if \"%%A\"==\"version\" if not defined JB_JV set \"JB_JV=%%~B\"");
        assertThat(major).endsWith("do if \"%%A\"==\"1\" (set \"JB_JMAJOR=%%B\") else set \"JB_JMAJOR=%%A\"");
        assertThat(cmdLine("if %JB_JMAJOR% GEQ 17 ")).isEqualTo("if %JB_JMAJOR% GEQ 17 goto :java_version_ok");

        Map<String, String> versions = Map.of("java version \"1.8.0_392\"", "8", "openjdk version \"17.0.9\" 2023-10-17", "17",
                "openjdk version \"21\" 2023-09-19", "21", "openjdk version \"22-ea\" 2024-03-19", "22");
        String options = forOptions(banner).get(0), majorOptions = forOptions(major).get(0);
        versions.forEach((line, expected) -> {
            String jv = null;
            for (String l : List.of("Picked up JAVA_TOOL_OPTIONS: -Dfile.encoding=UTF-8", line, "OpenJDK Runtime Environment (build x)")) {
                // tokens=2,3: %%A is the second word, %%B the third; %%~B drops its quotes
                String a = forF(options, l), b = forF(options.replace("tokens=2,3", "tokens=3"), l);
                if ("version".equals(a) && jv == null) jv = b.replace("\"", "");
            }
            String first = forF(majorOptions, jv), second = forF(majorOptions.replace("tokens=1,2", "tokens=2"), jv);
            assertThat("1".equals(first) ? second : first).as(line).isEqualTo(expected);
        });
    }

    @Test
    void theWindowsLauncherKeepsCrlfLineEndsAndRunsTheSameHelper() throws Exception {
        byte[] cmd = Files.readAllBytes(Scripts.root().resolve("jbang.cmd"));
        String text = new String(cmd, StandardCharsets.US_ASCII);

        assertThat(text.replace("\r\n", "")).as("every line ends in CRLF").doesNotContain("\n");
        assertThat(text).contains("Launch \"%JB_DIR%\" \"%JB_HOME%.\" %*").contains("%JB_HOME%.jbang\\Launch.java\"")
                .contains("checked on Windows: not yet").doesNotContain("where jbang").doesNotContain("JBANG_BOOTSTRAP_FORCE");
        assertThat(Files.readString(Scripts.root().resolve(".gitattributes"))).contains("*.cmd text eol=crlf");
    }
}
