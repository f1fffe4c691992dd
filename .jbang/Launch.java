// What ./jbang and jbang.cmd run once JBang's jars are in place: it decides the java command for a
// script and prints it, quoted for the calling shell, with exit code 255 (JBang's own protocol: the
// launcher then runs that line in its place). Compiled once by Bootstrap.java into
// <bootstrap-dir>/launch/<sha of this file>/; run as
//   java -classpath <that dir> Launch <bootstrap-dir> <project-home> <jbang arguments...>
//
// Why: JBang's build cache has no locking. Runs of a script that start together
// on a cold or just-updated cache break each other's build, and a broken build stays broken. So:
// - every JBang call goes through one lock per cache folder (a FileChannel lock: the OS releases it
//   when its holder dies, on Linux and Windows alike), so builds never overlap;
// - a build is checked before it is used (jar readable to its last byte with valid CRCs, its main class
//   inside, every dependency jar present) and built afresh when broken, with one line on stderr;
// - a checked build is recorded (a java @argfile plus the sources it was built from, by content), and
//   while the record still matches, the script's JVM starts directly: no JBang JVM, no lock.
// Any command other than `<script>.java ...` or `build <script>.java` goes to JBang as it is (under the lock).
import java.io.*;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.MessageDigest;
import java.util.*;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

public class Launch {
    static final int RUN = 255, STALE = 254, FAILED = 1;
    static final long LOCK_WAIT_MS = 15 * 60_000, BUILD_MS = 20 * 60_000, QUERY_MS = 5 * 60_000;
    /** Settings that change which build or command JBang picks: each combination has a record of its own. */
    static final List<String> ENV_KEYS = List.of("JAVA_HOME", "JBANG_JAVA_OPTIONS", "JBANG_DIR", "JBANG_REPO",
            "JBANG_DEFAULT_JAVA_VERSION");

    final Path bootDir, home, cache, recordDir;
    final boolean cmd;
    final String self;

    Launch(Path bootDir, Path home, String self) {
        this.bootDir = bootDir;
        this.home = home;
        this.self = self;
        this.cmd = "cmd".equals(System.getenv("JBANG_RUNTIME_SHELL"));
        this.cache = cacheDir();
        this.recordDir = cache.resolve("ra-launch");
    }

    public static void main(String[] args) {
        Path bootDir = Path.of(args[0]), home = Path.of(args[1]);
        String self = selfVersion();
        // Compiled from another version of this file (an update): the launcher compiles it again and retries.
        if (!self.equals(sha256(read(home.resolve(".jbang/Launch.java"))).substring(0, 16))) System.exit(STALE);
        List<String> rest = List.of(args).subList(2, args.length);
        Launch launch = new Launch(bootDir, home, self);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.out), true, launch.outputCharset()));
        int code;
        try {
            code = launch.dispatch(rest);
        } catch (Failure f) {
            System.err.println("jbang: " + f.getMessage());
            code = f.code;
        }
        System.out.flush();
        System.exit(code);
    }

    /**
     * The charset the calling shell reads our output in, whatever this JVM's default (cp1252 on a Western
     * Windows): jbang.cmd switches the console to UTF-8 (chcp 65001) and reads our output file in that code
     * page; a sh launcher passes the bytes on as file names and arguments, which Java encodes in sun.jnu.encoding.
     */
    Charset outputCharset() {
        return cmd ? StandardCharsets.UTF_8 : Charset.forName(System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name()));
    }

    int dispatch(List<String> args) throws Failure {
        if (args.size() >= 1 && isScript(args.get(0))) return run(Path.of(args.get(0)), args.subList(1, args.size()));
        if (args.size() == 2 && args.get(0).equals("build") && isScript(args.get(1))) {
            Path script = Path.of(args.get(1)).toAbsolutePath().normalize();
            try (Held lock = lock()) {
                checkedRecord(script);
                return 0;
            }
        }
        try (Held lock = lock()) {
            Out r = jbang(args, false, BUILD_MS);
            System.out.print(r.stdout);
            return r.exit;
        }
    }

    static boolean isScript(String arg) { return arg.endsWith(".java") && Files.isRegularFile(Path.of(arg)); }

    /** The command for {@code script}: straight from its record while that matches, else checked (and recorded) under the lock. */
    int run(Path script, List<String> userArgs) throws Failure {
        script = script.toAbsolutePath().normalize();
        Record rec = Record.read(recordFile(script));
        if (rec == null || rec.problem(script) != null) {
            try (Held lock = lock()) {
                rec = checkedRecord(script);
            }
        }
        System.out.println(commandLine(rec.java, rec.argfile, userArgs));
        return RUN;
    }

    /**
     * Under the lock: the script's record if it still holds, else a build that JBang makes, we check (and
     * make afresh when broken, saying so once), and record. A build whose command writes its class-data
     * archive (the first run of a //CDS script) is not recorded: the next run records the one that reads it.
     */
    Record checkedRecord(Path script) throws Failure {
        Path file = recordFile(script);
        Record old = Record.read(file);
        if (old != null && old.problem(script) == null) return old;
        // Same sources as recorded, yet the recorded build no longer checks out: it was damaged.
        String damage = old != null && old.key.equals(Launch.key(script, old.sources)) ? Check.build(old.jar, old.mainClass, old.deps) : null;
        Built b = damage == null ? build(script, false) : null;
        if (b != null && b.problem == null) return record(script, b, file);
        String why = damage != null ? damage : b.problem;
        Built fresh = build(script, true);
        if (fresh.problem != null) {
            if (fresh.failedExit != 0) throw new Failure(fresh.failedExit, "building " + script.getFileName() + " failed (see above)");
            throw new Failure(FAILED, "the build of " + script + " is still broken after a fresh build (" + fresh.problem
                    + "); delete " + cache + " and run again");
        }
        System.err.println("jbang: rebuilt " + script.getFileName() + ": its cached build was broken (" + why + ")");
        return record(script, fresh, file);
    }

    /** What JBang built for the script, and why it cannot be used (null: it can). */
    record Built(String jar, String mainClass, List<String> deps, List<String> sources, String problem, int failedExit) {}

    /** JBang's build of the script, and what it says about it; again when the sources changed meanwhile (info then names no main class). */
    Built build(Path script, boolean fresh) throws Failure {
        Built b = null;
        for (int attempt = 1; attempt <= 2 && (b == null || b.failedExit == 0 && b.mainClass == null); attempt++) {
            List<String> args = new ArrayList<>(List.of("build"));
            if (fresh) args.add("--fresh");
            args.add(script.toString());
            Out out = jbang(args, true, BUILD_MS);
            System.err.print(out.stdout);
            b = out.exit != 0 ? new Built(null, null, List.of(), List.of(), "JBang's build exited " + out.exit, out.exit) : info(script);
        }
        return b;
    }

    Built info(Path script) throws Failure {
        Out info = jbang(List.of("info", "tools", script.toString()), true, QUERY_MS);
        if (info.exit != 0) return new Built(null, null, List.of(), List.of(), "JBang's info exited " + info.exit, info.exit);
        String jar = Json.string(info.stdout, "applicationJar"), main = Json.string(info.stdout, "mainClass");
        List<String> deps = Json.strings(info.stdout, "resolvedDependencies");
        List<String> sources = Json.all(info.stdout, "backingResource").stream().distinct().toList();
        if (jar == null || main == null) return new Built(jar, main, deps, sources, "JBang names no jar or main class for it", 0);
        return new Built(jar, main, deps, sources, Check.build(jar, main, deps), 0);
    }

    Record record(Path script, Built b, Path file) throws Failure {
        String key = key(script, b.sources);
        Out run = jbang(List.of(script.toString()), true, QUERY_MS);
        if (run.exit != RUN) {
            System.err.print(run.stdout);
            throw new Failure(run.exit == 0 ? FAILED : run.exit, "JBang gave no command for " + script.getFileName());
        }
        List<String> command = Words.expandArgfile(Words.split(run.stdout.strip()));
        int cp = command.indexOf("-classpath");
        // The sources changed while we were at it: use this build once, record nothing.
        boolean same = cp > 0 && command.get(cp + 1).split(File.pathSeparator)[0].equals(b.jar);
        boolean dumps = command.stream().anyMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit="));
        Path argfile = Argfile.write(recordDir, command.subList(1, command.size()));
        Path jar = Path.of(b.jar);
        Record rec = new Record(key, command.get(0), argfile.toString(), b.jar, b.mainClass, size(jar), modified(jar), b.sources, b.deps);
        if (same && !dumps) rec.write(file);
        return rec;
    }

    // ---- the record's key: every source by content, and the listing of the folders they are in ----

    /**
     * Hash of every source's content, plus the .java files of their folders and the subfolders of those below
     * the script's own folder (a new or removed source counts; a logs/ folder appearing beside the script does not).
     */
    static String key(Path script, List<String> sources) {
        StringBuilder k = new StringBuilder();
        TreeSet<Path> dirs = new TreeSet<>();
        for (String s : sources) {
            Path p = Path.of(s);
            k.append("S ").append(s).append(' ').append(Files.isRegularFile(p) ? sha256(read(p)) : "missing").append('\n');
            if (p.getParent() != null) dirs.add(p.getParent());
        }
        for (Path d : dirs) k.append("D ").append(d).append(' ').append(listing(d, !d.equals(script.getParent()))).append('\n');
        return sha256(k.toString().getBytes(StandardCharsets.UTF_8));
    }

    static String listing(Path dir, boolean subfolders) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> subfolders && Files.isDirectory(p) || p.toString().endsWith(".java"))
                    .map(p -> p.getFileName() + (Files.isDirectory(p) ? "/" : "")).sorted().collect(Collectors.joining("|"));
        } catch (IOException e) {
            return "unreadable";
        }
    }

    /** One record per script, shell, setting combination and version of this file. */
    Path recordFile(Path script) {
        StringBuilder id = new StringBuilder(script.toString()).append('\n').append(self).append('\n');
        for (String k : ENV_KEYS) id.append(k).append('=').append(Objects.toString(System.getenv(k), "")).append('\n');
        id.append(new String(read(bootDir.resolve(".complete")), StandardCharsets.UTF_8));
        return recordDir.resolve(script.getFileName() + "." + sha256(id.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16) + ".rec");
    }

    /** JBang's cache folder, found the way JBang finds it. */
    static Path cacheDir() {
        String c = System.getenv("JBANG_CACHE_DIR"), d = System.getenv("JBANG_DIR");
        if (c != null && !c.isBlank()) return Path.of(c);
        return (d != null && !d.isBlank() ? Path.of(d) : Path.of(System.getProperty("user.home"), ".jbang")).resolve("cache");
    }

    // ---- the record ----

    /** A checked build: the java command (as an @argfile), the jar as it was checked, and what it was built from. */
    record Record(String key, String java, String argfile, String jar, String mainClass, long jarSize, long jarModified,
                  List<String> sources, List<String> deps) {
        static Record read(Path file) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return null;
            }
            Map<String, String> one = new HashMap<>();
            List<String> sources = new ArrayList<>(), deps = new ArrayList<>();
            for (String l : lines) {
                int eq = l.indexOf('=');
                if (eq < 0) return null;
                String name = l.substring(0, eq), value = l.substring(eq + 1);
                if (name.equals("source")) sources.add(value);
                else if (name.equals("dep")) deps.add(value);
                else one.put(name, value);
            }
            if (!one.keySet().containsAll(List.of("key", "java", "argfile", "jar", "main", "jarSize", "jarModified", "end"))) return null;
            try {
                return new Record(one.get("key"), one.get("java"), one.get("argfile"), one.get("jar"), one.get("main"), Long.parseLong(one.get("jarSize")),
                        Long.parseLong(one.get("jarModified")), sources, deps);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** Why this record cannot be used now (null: it can). Cheap: no JVM, no zip reading. */
        String problem(Path script) {
            Path j = Path.of(jar);
            if (!Files.isRegularFile(j)) return "jar missing: " + jar;
            if (size(j) != jarSize || modified(j) != jarModified) return "jar changed since it was checked: " + jar;
            for (String d : deps) if (!Files.isRegularFile(Path.of(d))) return "dependency missing: " + d;
            if (!Files.isRegularFile(Path.of(argfile))) return "argument file missing: " + argfile;
            if (Path.of(java).isAbsolute() && !Files.isRegularFile(Path.of(java))) return "java missing: " + java;
            if (!key.equals(Launch.key(script, sources))) return "sources changed";
            return null;
        }

        void write(Path file) throws Failure {
            StringBuilder b = new StringBuilder();
            b.append("key=").append(key).append('\n').append("java=").append(java).append('\n').append("argfile=").append(argfile)
                    .append('\n').append("jar=").append(jar).append('\n').append("main=").append(mainClass).append('\n').append("jarSize=").append(jarSize).append('\n')
                    .append("jarModified=").append(jarModified).append('\n');
            sources.forEach(s -> b.append("source=").append(s).append('\n'));
            deps.forEach(d -> b.append("dep=").append(d).append('\n'));
            b.append("end=\n");
            Argfile.atomically(file, b.toString().getBytes(StandardCharsets.UTF_8), true);
        }
    }

    // ---- checking a build ----

    /** Reads a built jar end to end. */
    static final class Check {
        /** Why the build cannot run (null: it can): the jar unreadable or cut short, its main class absent, a dependency missing. */
        static String build(String jar, String mainClass, List<String> deps) {
            Path j = Path.of(jar);
            if (!Files.isRegularFile(j)) return "jar missing: " + jar;
            String entry = mainClass.replace('.', '/') + ".class";
            try (ZipFile z = new ZipFile(j.toFile())) {
                if (z.getEntry(entry) == null) return "main class " + mainClass + " missing from " + jar;
            } catch (IOException e) {
                return "jar unreadable (" + e.getMessage() + "): " + jar;
            }
            // ZipFile reads only the directory at the end; the entries themselves, with their CRCs, are read here.
            try (ZipInputStream in = new ZipInputStream(new BufferedInputStream(Files.newInputStream(j)))) {
                byte[] buf = new byte[1 << 16];
                for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    while (in.read(buf) >= 0) { /* reading verifies the entry's CRC */ }
                }
            } catch (IOException e) {
                return "jar damaged (" + e.getMessage() + "): " + jar;
            }
            for (String d : deps) if (!Files.isRegularFile(Path.of(d))) return "dependency missing: " + d;
            return null;
        }
    }

    // ---- running JBang ----

    record Out(int exit, String stdout) {}

    /**
     * Runs JBang with stdin and stderr shared and stdout captured, within {@code limitMs}. {@code forUs}:
     * its command lines are quoted for sh whatever the shell, so that we can read them.
     */
    Out jbang(List<String> args, boolean forUs, long limitMs) throws Failure {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String jvm = System.getenv("JB_JVM");
        if (jvm != null && !jvm.isBlank()) c.addAll(List.of(jvm.strip().split("\\s+")));
        // JBang prints its command line (paths under a non-ASCII user name) in UTF-8 whatever the default charset,
        // and we read it so: stdout.encoding from Java 19, sun.stdout.encoding before. sun.jnu.encoding stays as it
        // is: overriding it was never supported (JEP 400), and Java on Windows names files in UTF-16 anyway.
        c.addAll(List.of("-Dstdout.encoding=UTF-8", "-Dsun.stdout.encoding=UTF-8"));
        c.addAll(List.of("-classpath", bootDir.resolve("*").toString(), "dev.jbang.Main"));
        c.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(c).redirectInput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (forUs) pb.environment().put("JBANG_RUNTIME_SHELL", "bash");
        try {
            Process p = pb.start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!p.waitFor(limitMs, TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new Failure(FAILED, "JBang did not finish within " + limitMs / 60_000 + " min (jbang " + String.join(" ", args)
                        + "); check the network or proxy for dependency downloads, then run again");
            }
            return new Out(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new Failure(FAILED, "cannot start JBang (" + e.getMessage() + "); delete " + bootDir + " to fetch it again");
        } catch (InterruptedException e) {
            throw new Failure(FAILED, "interrupted");
        }
    }

    // ---- the lock ----

    interface Held extends AutoCloseable {
        @Override void close();
    }

    /** The cache folder's build lock, waited for up to {@link #LOCK_WAIT_MS}. */
    Held lock() throws Failure {
        Path file = recordDir.resolve("build.lock");
        try {
            Files.createDirectories(recordDir);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            long deadline = System.currentTimeMillis() + LOCK_WAIT_MS;
            while (true) {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null;
                }
                if (l != null) return () -> {
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // closing releases the lock; the OS does the same when we exit
                    }
                };
                if (System.currentTimeMillis() > deadline) {
                    ch.close();
                    throw new Failure(FAILED, "another JBang run has held " + file + " for " + LOCK_WAIT_MS / 60_000
                            + " min; if no build is running, stop the stuck java process and run again");
                }
                Thread.sleep(200);
            }
        } catch (IOException e) {
            throw new Failure(FAILED, "cannot lock " + file + " (" + e.getMessage() + "); check the permissions of " + cache
                    + " (or set JBANG_CACHE_DIR to a writable folder)");
        } catch (InterruptedException e) {
            throw new Failure(FAILED, "interrupted");
        }
    }

    // ---- command lines ----

    /** java @argfile args, quoted for the shell that will run it (the same quoting as JBang's). */
    String commandLine(String java, String argfile, List<String> userArgs) {
        List<String> all = new ArrayList<>(List.of(java, "@" + argfile));
        all.addAll(userArgs);
        return all.stream().map(cmd ? Words::cmd : Words::bash).collect(Collectors.joining(" "));
    }

    /** Quoting and unquoting of argument words. */
    static final class Words {
        private static final Pattern BASH_SAFE = Pattern.compile("[a-zA-Z0-9._+=:@%/-]*");
        private static final Pattern CMD_SAFE = Pattern.compile("[a-zA-Z0-9.,_+=:;@()\\\\-]*");

        static String bash(String a) {
            return BASH_SAFE.matcher(a).matches() && !a.isEmpty() ? a : "'" + a.replace("'", "'\\''") + "'";
        }

        static String cmd(String a) {
            if (CMD_SAFE.matcher(a).matches() && !a.isEmpty()) return a;
            return "^\"" + a.replaceAll("([()!^<>&|% ])", "^$1").replace("\"", "\\^\"") + "^\"";
        }

        /** Splits a command line that JBang quoted for sh: words apart on blanks, '...' literal, \x is x. */
        static List<String> split(String line) {
            List<String> words = new ArrayList<>();
            StringBuilder w = null;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c == ' ' || c == '\t') {
                    if (w != null) words.add(w.toString());
                    w = null;
                    continue;
                }
                if (w == null) w = new StringBuilder();
                if (c == '\'') {
                    int end = line.indexOf('\'', i + 1);
                    w.append(line, i + 1, end < 0 ? line.length() : end);
                    i = end < 0 ? line.length() : end;
                } else if (c == '\\' && i + 1 < line.length()) {
                    w.append(line.charAt(++i));
                } else {
                    w.append(c);
                }
            }
            if (w != null) words.add(w.toString());
            return words;
        }

        /** On Windows JBang moves a long command into a temporary @file: read it back into words. */
        static List<String> expandArgfile(List<String> command) throws Failure {
            if (command.size() != 2 || !command.get(1).startsWith("@")) return command;
            Path f = Path.of(command.get(1).substring(1));
            List<String> words = new ArrayList<>(List.of(command.get(0)));
            try {
                for (String line : Files.readAllLines(f, Charset.defaultCharset())) {
                    line = line.strip();
                    if (line.isEmpty()) continue;
                    // JBang writes one word per line, "quoted" with \ before \, " and ' when not plain
                    words.add(line.startsWith("\"") && line.endsWith("\"") && line.length() > 1
                            ? line.substring(1, line.length() - 1).replaceAll("\\\\(.)", "$1") : line);
                }
            } catch (IOException e) {
                throw new Failure(FAILED, "cannot read JBang's argument file " + f + ": " + e.getMessage());
            }
            return words;
        }
    }

    /** java @argfiles in the record folder, named by their content, so that they never change once written. */
    static final class Argfile {
        static Path write(Path dir, List<String> words) throws Failure {
            StringBuilder b = new StringBuilder();
            for (String w : words) b.append('"').append(w.replaceAll("([\"'\\\\])", "\\\\$1")).append('"').append('\n');
            // The java launcher reads @files in the platform's own encoding.
            byte[] bytes = b.toString().getBytes(Charset.forName(System.getProperty("native.encoding", Charset.defaultCharset().name())));
            Path file = dir.resolve(sha256(bytes).substring(0, 32) + ".args");
            if (!Files.isRegularFile(file)) atomically(file, bytes, false);
            return file;
        }

        /** Temp name, then rename: readers see the old file or the new one, never half of one. */
        static void atomically(Path file, byte[] bytes, boolean replace) throws Failure {
            Path tmp = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            try {
                Files.createDirectories(file.getParent());
                Files.write(tmp, bytes);
                try {
                    if (replace) Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    else Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException e) {
                    // written by another run since we looked: same name, same content
                }
            } catch (IOException e) {
                throw new Failure(FAILED, "cannot write " + file + " (" + e.getMessage() + "); check the permissions of " + file.getParent());
            } finally {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
            }
        }
    }

    // ---- JSON, just enough for `jbang info tools` ----

    static final class Json {
        private static final String STRING = "\"((?:[^\"\\\\]|\\\\.)*)\"";

        static String string(String json, String name) {
            Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*" + STRING).matcher(json);
            return m.find() ? unescape(m.group(1)) : null;
        }

        static List<String> strings(String json, String name) {
            Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(json);
            List<String> out = new ArrayList<>();
            if (!m.find()) return out;
            Matcher s = Pattern.compile(STRING).matcher(m.group(1));
            while (s.find()) out.add(unescape(s.group(1)));
            return out;
        }

        static List<String> all(String json, String name) {
            Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*" + STRING).matcher(json);
            List<String> out = new ArrayList<>();
            while (m.find()) out.add(unescape(m.group(1)));
            return out;
        }

        static String unescape(String s) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c != '\\' || i + 1 == s.length()) {
                    b.append(c);
                    continue;
                }
                char n = s.charAt(++i);
                switch (n) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                    default -> b.append(n);
                }
            }
            return b.toString();
        }
    }

    // ---- small helpers ----

    /** An error for the user: one line, and the exit code to pass on. */
    static final class Failure extends Exception {
        final int code;

        Failure(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    /** The first 16 hex digits of the sha256 of the source this class was compiled from: its folder's name. */
    static String selfVersion() {
        try {
            return Path.of(Launch.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getFileName().toString();
        } catch (Exception e) {
            return "";
        }
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return -1;
        }
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
