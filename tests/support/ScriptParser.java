package tests.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lib.Proc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarFile;

/**
 * A top-level script's own picocli command, loaded from the jar JBang builds for it (with the script's
 * dependencies, apart from the test's classes), to parse argument lists exactly as the script would,
 * without running it: many lists checked in one JVM instead of one JBang start each.
 * <p>
 * Why not {@code script args --help}: picocli skips validation, unknown options included, once a help
 * option is present, so {@code --frm-remote --help} exits 0. A parse without it rejects unknown options,
 * missing or extra values, values of the wrong type (a date) and mutually exclusive options.
 */
public final class ScriptParser implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration JBANG = Duration.ofMinutes(5);

    private final String script;
    private final URLClassLoader loader;
    private final Class<?> command;
    private final Class<?> commandLine;
    private final Class<?> parameterException;

    private ScriptParser(String script, URLClassLoader loader, String mainClass) throws ClassNotFoundException {
        this.script = script;
        this.loader = loader;
        this.command = loader.loadClass(mainClass);
        this.commandLine = loader.loadClass("picocli.CommandLine");
        this.parameterException = loader.loadClass("picocli.CommandLine$ParameterException");
    }

    /** Builds {@code script} with JBang when its jar is not current, then loads its command class. */
    public static ScriptParser of(String script) {
        Path source = Scripts.root().resolve(script);
        jbang("build", source.toString());
        JsonNode info;
        try {
            info = JSON.readTree(jbang("info", "tools", source.toString()).stdout());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<URL> urls = new ArrayList<>();
        Path jar = Path.of(info.path("applicationJar").asText());
        urls.add(url(jar));
        info.path("resolvedDependencies").forEach(d -> urls.add(url(Path.of(d.asText()))));
        try (JarFile j = new JarFile(jar.toFile())) {
            String main = j.getManifest().getMainAttributes().getValue("Main-Class");
            return new ScriptParser(script, new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader()), main);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new AssertionError("the jar of " + script + " lacks its command class", e);
        }
    }

    /** Empty when {@code args} parse; else picocli's message, as the script would print it before its usage. */
    public Optional<String> reject(List<String> args) {
        try {
            Object cl = commandLine.getConstructor(Object.class).newInstance(command);
            commandLine.getMethod("parseArgs", String[].class).invoke(cl, (Object) args.toArray(String[]::new));
            return Optional.empty();
        } catch (InvocationTargetException e) {
            if (parameterException.isInstance(e.getCause())) return Optional.of(e.getCause().getMessage());
            throw new AssertionError(script + " " + String.join(" ", args) + ": picocli failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot drive picocli for " + script, e);
        }
    }

    @Override
    public void close() {
        try {
            loader.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Proc.Result jbang(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Scripts.root().resolve("jbang").toString()));
        cmd.addAll(List.of(args));
        Proc.Result r = Proc.run(cmd, Map.of(), JBANG);
        if (!r.ok()) throw new AssertionError("jbang " + String.join(" ", args) + " failed: " + r.stderr());
        return r;
    }

    private static URL url(Path p) {
        try {
            return p.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(p.toString(), e);
        }
    }
}
