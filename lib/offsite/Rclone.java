package lib.offsite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lib.Config;
import lib.Disk;
import lib.ExitCode;
import lib.Log;
import lib.OpsException;
import lib.Proc;
import lib.SafeFiles;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.*;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The one place that runs rclone: argument lists, always {@code --config FILE}, {@code --retries 1} and our
 * own retry loop with exponential backoff (one {@code log.warn} line per retry). Failures become one-line
 * {@link OpsException}s quoting rclone's last error: configuration problems exit 2 (never retried),
 * everything on the remote's side exits 9. On a terminal, transfers show a one-line progress on stderr;
 * under a scheduler rclone gets no stats flags and stays quiet.
 */
public final class Rclone {
    /** A file on the remote; {@code path} is relative to the listed directory, with '/'. */
    public record RemoteFile(String path, long size, Instant modTime, Map<String, String> hashes) {}

    /** Listing, stat and delete calls that take longer than this are treated as hung. */
    static final Duration CALL_TIMEOUT = Duration.ofMinutes(10);
    /** Backoff doubles per retry up to this wait. */
    static final Duration MAX_WAIT = Duration.ofHours(1);
    /** rclone's exit codes for "directory not found" and "file not found". */
    private static final Set<Integer> NOT_FOUND = Set.of(3, 4);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** rclone's log prefix: "2024/01/31 12:00:00 " then an optional "ERROR : ". */
    private static final Pattern STAMP = Pattern.compile("^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d+)? ");
    private static final Pattern LEVEL = Pattern.compile("^(EMERGENCY|ALERT|CRITICAL|ERROR|WARNING|NOTICE|INFO|DEBUG)\\s*: ");
    /** "name:" at the start of a remote; rclone allows letters, digits, '_', '-', '.', '+', '@' and space. */
    private static final Pattern NAME = Pattern.compile("^([\\w.+@ -]+):");
    private static final Pattern AUTH = Pattern.compile("unable to authenticate|SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied"
            + "|status code: 40[13]|\\b40[13] (Unauthorized|Forbidden)|Error 40[13]|invalid_grant|invalid_client|permission denied",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern BAD_ARGS = Pattern.compile("unknown flag|unknown shorthand flag|invalid argument \".*\" for \"-"
            + "|unknown command|accepts \\d+ arg|requires \\d+ arg");

    private final String program;
    private final Path configFile;
    private final List<String> extraFlags;
    private final int retries;
    private final Duration retryDelay;
    private final Log log;

    public Rclone(String program, Path configFile, List<String> extraFlags, int retries, Duration retryDelay, Log log) {
        this.program = program;
        this.configFile = configFile;
        this.extraFlags = List.copyOf(extraFlags);
        this.retries = retries;
        this.retryDelay = retryDelay;
        this.log = log;
    }

    /**
     * From settings: RCLONE (program), RCLONE_CONFIG (cfg.path(...)), RCLONE_FLAGS (split on whitespace, no shell
     * quoting), REMOTE_RETRIES, REMOTE_RETRY_DELAY_SECONDS.
     */
    public static Rclone from(Config cfg, Log log) {
        String program = cfg.get("RCLONE");
        // a bare name is looked up on PATH; a path is relative to the project home like every other path setting
        if (program.contains("/") || program.contains("\\")) program = cfg.path("RCLONE").toString();
        List<String> flags = Arrays.stream(cfg.get("RCLONE_FLAGS").strip().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        return new Rclone(program, cfg.path("RCLONE_CONFIG"), flags, cfg.integer("REMOTE_RETRIES"),
                Duration.ofSeconds(cfg.integer("REMOTE_RETRY_DELAY_SECONDS")), log);
    }

    /**
     * Joins a remote root ("gdrive:", "gdrive:dir", "s3:bucket/prefix/", "/local/path") and relative parts with
     * single '/' (no '/' right after a bare "name:").
     */
    public static String join(String remote, String... parts) {
        StringBuilder out = new StringBuilder(remote.replaceAll("/{2,}$", "/"));
        for (String part : parts) {
            for (String segment : part.split("/")) {
                if (segment.isEmpty()) continue;
                char last = out.isEmpty() ? ':' : out.charAt(out.length() - 1);
                if (last != ':' && last != '/' && last != '\\') out.append('/');
                out.append(segment);
            }
        }
        return out.toString();
    }

    /** Uploads one local file to exactly remotePath (rclone copyto), retrying with backoff; a progress line on a terminal only. */
    public void upload(Path local, String remotePath) {
        if (!Files.isRegularFile(local)) {
            throw new UncheckedIOException(new NoSuchFileException(local.toString(), null, "nothing to upload"));
        }
        String what = "upload of " + local.getFileName() + " to " + remotePath;
        retrying(what, remotePath, () -> {
            // --ignore-times: always send; a same-size, same-time copy on the remote may still be damaged
            Proc.Result r = exec("upload " + local.getFileName(), null, null, "copyto", "--ignore-times", local.toString(), remotePath);
            failUnlessOk(r, what, remotePath);
            return null;
        });
    }

    /** Downloads remotePath to local via lib.SafeFiles.partial(local), then atomic rename; retries; nothing left at local on failure. */
    public void download(String remotePath, Path local) {
        Path partial = SafeFiles.partial(local);
        String what = "download of " + remotePath;
        try {
            SafeFiles.createDirectories(local.toAbsolutePath().getParent());
            retrying(what, remotePath, () -> {
                SafeFiles.deleteQuietly(partial);
                Proc.Result r = exec("download " + local.getFileName(), null, null, "copyto", remotePath, partial.toString());
                if (NOT_FOUND.contains(r.exit())) throw notFound(what, remotePath);
                failUnlessOk(r, what, remotePath);
                // bucket-based remotes report success for a missing object: nothing was written
                if (!Files.isRegularFile(partial)) throw notFound(what, remotePath);
                return null;
            });
            SafeFiles.commit(partial, local);
        } catch (IOException e) {
            SafeFiles.deleteQuietly(partial);
            throw Disk.explain(e, local);
        } catch (RuntimeException e) {
            SafeFiles.deleteQuietly(partial);
            throw e;
        }
    }

    /** Streams a remote file's bytes into out (used for a download check when the backend has no usable hash). */
    public void cat(String remotePath, OutputStream out) {
        String what = "reading " + remotePath;
        Counting counted = new Counting(out);
        retrying(what, remotePath, () -> {
            try {
                Proc.Result r = exec(null, null, counted, "cat", remotePath);
                if (NOT_FOUND.contains(r.exit())) throw notFound(what, remotePath);
                failUnlessOk(r, what, remotePath);
            } catch (Transient t) {
                // bytes already handed on cannot be taken back, so a second attempt would duplicate them
                if (counted.count > 0) throw t.error;
                throw t;
            }
            return null;
        });
        // a missing object on a bucket-based remote reads as empty; an empty file still has a stat
        if (counted.count == 0 && stat(remotePath, null).isEmpty()) throw notFound(what, remotePath);
    }

    /**
     * Every file under remoteDir, recursively, paths relative to remoteDir with '/'; an empty list when remoteDir does
     * not exist yet. No hashes.
     */
    public List<RemoteFile> list(String remoteDir) {
        String what = "listing " + remoteDir;
        return retrying(what, remoteDir, () -> {
            Proc.Result r = exec(null, CALL_TIMEOUT, null, "lsjson", "--recursive", "--files-only", "--no-mimetype", remoteDir);
            if (NOT_FOUND.contains(r.exit())) return List.<RemoteFile>of();
            failUnlessOk(r, what, remoteDir);
            List<RemoteFile> out = new ArrayList<>();
            for (JsonNode n : json(r.stdout(), what)) {
                if (!n.path("IsDir").asBoolean()) out.add(file(n));
            }
            out.sort(Comparator.comparing(RemoteFile::path));
            return out;
        });
    }

    /** Hash types the backend of `remote` supports, lower-case as rclone names them (e.g. md5, sha1, sha256; possibly empty). */
    public Set<String> hashTypes(String remote) {
        String what = "asking " + remote + " for its features";
        return retrying(what, remote, () -> {
            Proc.Result r = exec(null, CALL_TIMEOUT, null, "backend", "features", remote);
            failUnlessOk(r, what, remote);
            Set<String> out = new LinkedHashSet<>();
            json(r.stdout(), what).path("Hashes").forEach(h -> out.add(h.asText().toLowerCase(Locale.ROOT)));
            return Collections.unmodifiableSet(out);
        });
    }

    /** One file's size, and its hash of `hashType` (null = no hash) in hashes; empty when the file does not exist. */
    public Optional<RemoteFile> stat(String remotePath, String hashType) {
        String what = "checking " + remotePath;
        List<String> args = new ArrayList<>(List.of("lsjson", "--stat", "--no-mimetype"));
        if (hashType != null) args.addAll(List.of("--hash", "--hash-type", hashType));
        args.add(remotePath);
        return retrying(what, remotePath, () -> {
            Proc.Result r = exec(null, CALL_TIMEOUT, null, args.toArray(String[]::new));
            if (NOT_FOUND.contains(r.exit())) return Optional.<RemoteFile>empty();
            failUnlessOk(r, what, remotePath);
            JsonNode n = json(r.stdout(), what);
            // bucket-based remotes answer a missing object with a directory entry
            return n.path("IsDir").asBoolean() ? Optional.<RemoteFile>empty() : Optional.of(file(n));
        });
    }

    /** Deletes one file (rclone deletefile); missing is fine. */
    public void deleteFile(String remotePath) {
        String what = "deleting " + remotePath;
        retrying(what, remotePath, () -> {
            Proc.Result r = exec(null, CALL_TIMEOUT, null, "deletefile", remotePath);
            if (r.ok() || NOT_FOUND.contains(r.exit()) || lastError(r.stderr()).endsWith("doesn't exist")) return null;
            failUnlessOk(r, what, remotePath);
            return null;
        });
    }

    /**
     * Downloads every file under remoteDir whose name ends with `suffix` into localDir in ONE rclone call (e.g. all
     * *.manifest.json), keeping relative paths; returns the local files. Files arrive in a temporary directory inside
     * localDir first and are then moved into place, so the result is exactly what the remote holds (empty when
     * remoteDir does not exist) and other files in localDir are left alone.
     */
    public List<Path> fetchAll(String remoteDir, String suffix, Path localDir) {
        String what = "fetching *" + suffix + " from " + remoteDir;
        Path tmp = null;
        try {
            SafeFiles.createDirectories(localDir);
            Path into = tmp = Files.createTempDirectory(localDir, ".fetch-");
            boolean found = retrying(what, remoteDir, () -> {
                Proc.Result r = exec(null, null, null, "copy", "--include", "*" + globLiteral(suffix), remoteDir, into.toString());
                if (NOT_FOUND.contains(r.exit())) return false;
                failUnlessOk(r, what, remoteDir);
                return true;
            });
            List<Path> out = new ArrayList<>();
            if (!found) return out;
            try (Stream<Path> files = Files.walk(into)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    Path target = localDir.resolve(into.relativize(f).toString());
                    SafeFiles.createDirectories(target.getParent());
                    Files.move(f, target, StandardCopyOption.REPLACE_EXISTING);
                    out.add(target);
                }
            }
            return out;
        } catch (IOException e) {
            throw Disk.explain(e, localDir);
        } finally {
            if (tmp != null) SafeFiles.deleteTree(tmp);
        }
    }

    /**
     * Renders one of rclone's JSON stats log lines ({@code --use-json-log --stats-log-level NOTICE}) as a progress
     * line, e.g. "upload a.dump: 1.2 MB / 2.9 MB (41 %), 2.0 MB/s, ETA 1 s"; empty for any other line.
     */
    public static Optional<String> progressLine(String label, String logLine) {
        if (!logLine.startsWith("{") || !logLine.contains("\"stats\"")) return Optional.empty();
        JsonNode s;
        try {
            s = JSON.readTree(logLine).path("stats");
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!s.isObject()) return Optional.empty();
        long bytes = s.path("bytes").asLong();
        long total = s.path("totalBytes").asLong();
        StringBuilder line = new StringBuilder(label).append(": ").append(Disk.human(bytes));
        if (total > 0) line.append(" / ").append(Disk.human(total)).append(" (").append(bytes * 100 / total).append(" %)");
        line.append(", ").append(Disk.human(s.path("speed").asLong())).append("/s");
        if (s.path("eta").isNumber()) line.append(", ETA ").append(s.path("eta").asLong()).append(" s");
        return Optional.of(line.toString());
    }

    /**
     * rclone's last error, without its timestamp and level: the last log entry (continuation lines joined)
     * or JSON log message, stats lines skipped, on one line.
     */
    static String lastError(String stderr) {
        String last = "";
        StringBuilder entry = null;
        for (String line : stderr.split("\\R")) {
            if (line.isBlank()) continue;
            if (line.startsWith("{")) {
                String m = jsonMessage(line);
                if (m != null) {
                    last = m;
                    entry = null;
                }
                continue;
            }
            Matcher stamp = STAMP.matcher(line);
            boolean starts = stamp.lookingAt();
            if (starts || entry == null) {
                entry = new StringBuilder(LEVEL.matcher(starts ? line.substring(stamp.end()) : line).replaceFirst(""));
            } else {
                entry.append(' ').append(line.strip());
            }
            last = entry.toString();
        }
        return last.replaceAll("\\s+", " ").strip();
    }

    /** A JSON log line's message ("object: msg"), or null for stats and anything unreadable. */
    private static String jsonMessage(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            if (n.has("stats") || !n.has("msg")) return null;
            String object = n.path("object").asText("");
            return (object.isEmpty() ? "" : object + ": ") + n.path("msg").asText();
        } catch (IOException e) {
            return null;
        }
    }

    /** Runs {@code attempt} up to retries + 1 times, waiting delay, 2 x delay, 4 x delay ... after each transient failure. */
    private <T> T retrying(String what, String remotePath, Supplier<T> attempt) {
        requireConfig(remotePath);
        for (int i = 0; ; i++) {
            try {
                return attempt.get();
            } catch (Transient t) {
                if (i >= retries) {
                    if (retries == 0) throw t.error;
                    throw new OpsException(t.error.exitCode(), t.error.getMessage().replaceFirst(" failed: ",
                            " failed after " + (retries + 1) + " attempts: "), t.error.hint());
                }
                Duration wait = backoff(i);
                String secs = wait.toMillis() % 1000 == 0 ? String.valueOf(wait.toSeconds()) : String.valueOf(wait.toMillis() / 1000.0);
                log.warn(t.error.getMessage() + " (attempt " + (i + 1) + " of " + (retries + 1) + "); trying again in " + secs + " s");
                sleep(wait);
            }
        }
    }

    private Duration backoff(int retry) {
        Duration d = retryDelay.multipliedBy(1L << Math.min(retry, 20));
        return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpsException(ExitCode.FAILED, "interrupted while waiting to retry rclone", null);
        }
    }

    /** A named remote needs the config file; local paths and ":backend:" remotes do not. */
    private void requireConfig(String remotePath) {
        String name = remoteName(remotePath);
        if (name != null && !Files.isRegularFile(configFile)) {
            throw new OpsException(ExitCode.USAGE, "rclone config file not found: " + configFile + " (needed for remote " + name + ":)",
                    "create it with: rclone config --config " + configFile + " (see config/rclone.conf.example), or set RCLONE_CONFIG");
        }
    }

    /** "gdrive" for "gdrive:dir"; null for a local path (including "C:\..." on Windows). */
    static String remoteName(String remote) {
        Matcher m = NAME.matcher(remote);
        if (!m.find()) return null;
        String name = m.group(1);
        boolean drive = File.separatorChar == '\\' && name.length() == 1 && Character.isLetter(name.charAt(0));
        return drive ? null : name;
    }

    /**
     * Runs one rclone command. {@code progress} labels a transfer shown on a terminal; {@code out} receives stdout
     * (null: captured into the result).
     */
    private Proc.Result exec(String progress, Duration timeout, OutputStream out, String... args) {
        ProgressDisplay display = progress != null && onTerminal() ? new ProgressDisplay(progress) : null;
        List<String> cmd = new ArrayList<>(List.of(program, args[0], "--config", configFile.toString(), "--retries", "1",
                "--ask-password=false"));
        if (display != null) cmd.addAll(List.of("--use-json-log", "--stats", "1s", "--stats-log-level", "NOTICE"));
        cmd.addAll(extraFlags);
        cmd.addAll(Arrays.asList(args).subList(1, args.length));
        try {
            return Proc.run(cmd, Map.of(), timeout, null, out, display);
        } catch (OpsException e) {
            if (e.getCause() instanceof IOException) {
                throw new OpsException(ExitCode.USAGE, "rclone not found or not runnable: " + program,
                        "install rclone (https://rclone.org/install/; Windows: winget install Rclone.Rclone,"
                                + " Debian: apt-get install rclone) or set RCLONE to its path", e);
            }
            if (e.exitCode() != ExitCode.UNAVAILABLE) throw e;
            throw new Transient(new OpsException(ExitCode.REMOTE_FAILED, "rclone " + args[0] + " failed: no answer within "
                    + timeout.toMinutes() + " min", "check that the remote is reachable"));
        } finally {
            if (display != null) display.close();
        }
    }

    /** Same rule as lib.Progress: schedulers and pipes get no progress noise. */
    private static boolean onTerminal() {
        return System.console() != null && !"true".equals(System.getenv("RA_QUIET"));
    }

    /** Turns a failed run into the error to report: configuration problems as-is, the remote's as {@link Transient}. */
    private void failUnlessOk(Proc.Result r, String what, String remotePath) {
        if (r.ok()) return;
        String err = lastError(r.stderr());
        String quoted = what + " failed: rclone: " + (err.isEmpty() ? "exit code " + r.exit() : err);
        String name = remoteName(remotePath);
        if (err.contains("RCLONE_CONFIG_PASS") || err.contains("unable to decrypt configuration")) {
            throw new OpsException(ExitCode.USAGE, "rclone config " + configFile + " is encrypted and no password was given",
                    "set RCLONE_CONFIG_PASS in the environment of the job");
        }
        if (err.contains("didn't find section in config file")) {
            throw new OpsException(ExitCode.USAGE, "remote " + name + ": not found in rclone config " + configFile,
                    "check REMOTE, or add the remote with: rclone config --config " + configFile);
        }
        if (BAD_ARGS.matcher(err).find()) {
            throw new OpsException(ExitCode.USAGE, quoted, "check RCLONE_FLAGS (split on spaces, no quoting)");
        }
        if (err.contains("LoadCustomCABundleError")) {
            throw new OpsException(ExitCode.USAGE, quoted, "this rclone's s3 backend cannot use AWS_CA_BUNDLE: unset it for the job"
                    + " (add --ca-cert FILE to RCLONE_FLAGS for a private CA)");
        }
        if (AUTH.matcher(err).find()) {
            throw new OpsException(ExitCode.REMOTE_FAILED, quoted, name == null ? "check that this user may write to " + remotePath
                    : "check the credentials of remote " + name + ": in " + configFile
                    + " (OAuth remotes: rclone config reconnect " + name + ": --config " + configFile + ")");
        }
        throw new Transient(new OpsException(ExitCode.REMOTE_FAILED, quoted, name == null
                ? "check that the path is reachable and writable"
                : "check that the remote is reachable: " + program + " lsf " + name + ": --config " + configFile));
    }

    private static OpsException notFound(String what, String remotePath) {
        return new OpsException(ExitCode.REMOTE_FAILED, what + " failed: not found on the remote", "check the path " + remotePath);
    }

    private static JsonNode json(String text, String what) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new OpsException(ExitCode.REMOTE_FAILED, what + ": unreadable answer from rclone: " + e.getOriginalMessage(),
                    "check that RCLONE is rclone 1.60 or newer");
        }
    }

    private static RemoteFile file(JsonNode n) {
        Map<String, String> hashes = new HashMap<>();
        n.path("Hashes").properties().forEach(h -> hashes.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue().asText()));
        String time = n.path("ModTime").asText("");
        Instant modTime = time.isEmpty() ? Instant.EPOCH : OffsetDateTime.parse(time).toInstant();
        return new RemoteFile(n.path("Path").asText(), n.path("Size").asLong(), modTime, Map.copyOf(hashes));
    }

    /** A suffix as a literal in rclone's filter glob syntax. */
    static String globLiteral(String s) {
        return s.replaceAll("([\\\\*?\\[\\]{}])", "\\\\$1");
    }

    /** A failure another attempt may cure (network, server, timeout). */
    private static final class Transient extends RuntimeException {
        final OpsException error;

        Transient(OpsException error) {
            super(error.getMessage(), null, false, false);
            this.error = error;
        }
    }

    /** Counts the bytes passed on, so a partly streamed cat is not repeated. */
    private static final class Counting extends OutputStream {
        private final OutputStream out;
        long count;

        Counting(OutputStream out) { this.out = out; }

        @Override public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

        @Override public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override public void flush() throws IOException { out.flush(); }
    }

    /** Receives rclone's stderr live and redraws one progress line per stats line. */
    private static final class ProgressDisplay extends OutputStream {
        private final String label;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private boolean drawn;

        ProgressDisplay(String label) { this.label = label; }

        @Override public void write(int b) { write(new byte[] {(byte) b}, 0, 1); }

        @Override public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (b[i] != '\n') {
                    line.write(b[i]);
                    continue;
                }
                progressLine(label, line.toString(StandardCharsets.UTF_8)).ifPresent(p -> {
                    System.err.print("\r" + p + "\033[K");
                    drawn = true;
                });
                line.reset();
            }
        }

        @Override public synchronized void close() {
            if (drawn) System.err.print("\r\033[K");
        }
    }
}
