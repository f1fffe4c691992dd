package tests;

import lib.BackupStore;
import lib.Backup;
import lib.Config;
import lib.Pg;
import lib.PgTarget;
import lib.Proc;
import lib.SafeFiles;
import lib.ScratchServer;
import lib.drill.Sandbox;
import lib.health.HealthCheck;
import lib.schedule.Tasks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.GpgKeys;
import tests.support.Markdown;
import tests.support.Remotes;
import tests.support.ScriptParser;
import tests.support.Scripts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.*;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps docs/DR-RUNBOOK.md (and its glossary and troubleshooting pages) honest. Fenced blocks are
 * {@code powershell} or {@code bash} (commands, one per line) or {@code text} (what the screen shows, never
 * run). Every run of one of our scripts, in a block or an inline code span, is parsed by that script's own
 * picocli command (see {@link ScriptParser} for why not {@code --help}), with placeholders filled in; its
 * enumerated values must be ones the scripts accept; PowerShell and bash say the same in every section;
 * links and script names resolve. The bash blocks of the stock-tools section are run for real on real
 * backups (plain, and encrypted with a gpg key), so recovery without our scripts is proven.
 * <p>
 * The README and backup-format.md are pasted into shells too, Windows PowerShell 5.1 among them, where a pipe
 * between two programs or a {@code >} carries text, not bytes, and {@code <} is a syntax error. So on those
 * pages and the runbook: placeholders are {@code REPLACE-WITH-} words, which a script refuses in one line that
 * quotes them; a line only bash runs right is in a {@code bash} block with a PowerShell twin or a word about
 * PowerShell beside it; gpg writes key files itself ({@code --output}).
 */
class RunbookTest {
    private static final Path DOCS = Scripts.root().resolve("docs");
    private static final Path RUNBOOK = DOCS.resolve("DR-RUNBOOK.md");
    private static final List<Path> PAGES = List.of(RUNBOOK, DOCS.resolve("GLOSSARY.md"), DOCS.resolve("TROUBLESHOOTING.md"));
    private static final String STOCK_TOOLS = "11. Opening backups with stock tools";
    /** What a reader types for each placeholder; a placeholder missing here fails the check. */
    private static final Map<String, String> PLACEHOLDERS = Map.of("REPLACE-WITH-DATE", "2026-11-20",
            "REPLACE-WITH-TYPE", "daily", "REPLACE-WITH-FILE", "inventory_20261120T020000Z_daily.dump.zst");
    /** Pages whose code blocks a reader pastes into bash or PowerShell. */
    private static final List<Path> SHELL_PAGES = List.of(Scripts.root().resolve("README.md"), RUNBOOK, DOCS.resolve("backup-format.md"));
    /** The example sets the stock-tools section opens; the test stores real backups under these names. */
    private static final String PLAIN = "inventory_20261120T020000Z_daily";
    private static final String ENCRYPTED = "inventory_20261115T030000Z_weekly";
    /** Databases the stock-tools section restores into: on the server of the client programs, and in the container. */
    private static final List<String> HOST_RESTORES = List.of("inventory_restored", "inventory_offsite");
    private static final String CONTAINER_RESTORE = "inventory_restored";
    private static final int ROWS = 1000;
    private static final Pattern INVOCATION = Pattern.compile(
            "^(?:sudo\\s+)?(?:[A-Z_][A-Z0-9_]*=\\S*\\s+)*(\\.\\\\jbang\\.cmd|\\./jbang)\\s+(\\S+)(.*)$");
    /** A placeholder as the pages write it: a plain word in both shells, so a literal paste reaches the script. */
    private static final Pattern PLACEHOLDER = Pattern.compile("REPLACE-WITH-[A-Z]+");
    /** The old way, {@code <date>}: PowerShell stops at it ("The '<' operator is reserved for future use"). */
    private static final Pattern ANGLE_PLACEHOLDER = Pattern.compile("<[A-Za-z][\\w -]*>");
    /** A transcript's prompt ({@code $ } or {@code PS C:\...> }): only its prompt lines were typed. */
    private static final Pattern PROMPT = Pattern.compile("^(?:\\$ |PS [^>]*> )");
    /**
     * What Windows PowerShell 5.1 lacks or runs differently: a pipe into a program and a redirection into a
     * file (text, not bytes, before PowerShell 7.4), bash's own commands and syntax. Checked on lines with
     * comments and quoted strings removed.
     */
    private static final List<Pattern> BASH_ONLY = Stream.of("\\|\\s*[a-z]", "(?<![-=])>", "\\bsha256sum\\b",
            "\\bread\\s+-r", "^export\\s", "\\bunset\\s", "\\$\\(", "/dev/null", "\\btail\\s+-n", "&&",
            "^(?:[A-Z_][A-Z0-9_]*=\\S*\\s+)+(?:\\./|sudo\\s)", "^[a-z_][a-z0-9_]*=").map(Pattern::compile).toList();
    /** A gpg key export up to the end of its command. */
    private static final Pattern GPG_EXPORT = Pattern.compile("\\bgpg\\b[^|`;]*--export[^|`;]*");

    /** A run of one of our scripts as a page writes it: where, in which shell, and the arguments with placeholders filled in. */
    record Command(String where, String shell, String section, String script, List<String> args) {
        /** Script and arguments with Windows path separators turned around, to compare the two shells. */
        String portable() { return script + " " + String.join(" ", args).replace('\\', '/'); }
    }

    private static Path work;
    private static Path gnupgHome;
    private static Remotes.Remote remote;

    @BeforeAll
    static void realBackups() throws IOException {
        Fixtures.requireDocker();
        work = Fixtures.home();
        Config cfg = Fixtures.config(Fixtures.trustCluster(), work);
        Fixtures.createDb(new Pg(new PgTarget(cfg)), "runbook_src", ROWS);
        store(new Backup(cfg, Fixtures.log(cfg)).run("runbook_src", new Backup.Options("daily", "full", false, false)).dump(),
                work.resolve("backups/daily"), PLAIN);

        GpgKeys.Key key = GpgKeys.sharedRsa();
        Path pass = Files.writeString(work.resolve("passphrase.txt"), key.passphrase() + "\n");
        Config encrypted = cfg.with(Map.of("ENCRYPT", "all", "ENCRYPT_TO", key.publicArmored().toString(),
                "DECRYPT_KEY", key.secret().toString(), "DECRYPT_PASSPHRASE_FILE", pass.toString()));
        remote = Remotes.local();
        store(new Backup(encrypted, Fixtures.log(encrypted)).run("runbook_src", new Backup.Options("weekly", "full", false, false)).dump(),
                remote.dir().orElseThrow().resolve("weekly"), ENCRYPTED);
        Files.copy(key.secret(), work.resolve("backup-secret.asc"));

        // the reader's gpg asks for the passphrase; this one reads it from the file, without a terminal
        gnupgHome = Files.createTempDirectory("gpg", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(gnupgHome.resolve("gpg.conf"), "batch\npinentry-mode loopback\npassphrase-file " + pass + "\n");
    }

    @AfterAll
    static void cleanUp() {
        if (gnupgHome != null) {
            Proc.run(List.of("gpgconf", "--homedir", gnupgHome.toString(), "--kill", "gpg-agent"), Map.of(), Duration.ofSeconds(30));
            SafeFiles.deleteTree(gnupgHome);
        }
        if (remote != null) remote.close();
        if (work != null) SafeFiles.deleteTree(work.getParent());
    }

    @Test
    void everyFencedBlockIsPowershellBashOrText() {
        for (Path page : PAGES) {
            for (Markdown.Block b : Markdown.read(page).blocks()) {
                assertThat(b.lang()).as(page.getFileName() + ":" + b.line() + " fence language (text blocks are output, never run)")
                        .isIn("powershell", "bash", "text");
            }
        }
        assertThat(Markdown.read(RUNBOOK).blocks()).extracting(Markdown.Block::lang).contains("powershell", "bash", "text");
    }

    @Test
    void everyScriptCommandParsesAsTheScriptItselfWouldParseIt() {
        List<String> problems = new ArrayList<>();
        List<Command> commands = commands(problems);
        Map<String, Set<List<String>>> distinct = new TreeMap<>();
        for (Command c : commands) {
            if (!Files.isRegularFile(Scripts.root().resolve(c.script()))) problems.add(c.where() + ": no script " + c.script());
            else distinct.computeIfAbsent(c.script(), s -> new LinkedHashSet<>()).add(c.args());
            problems.addAll(badValues(c));
        }
        int checked = 0;
        for (Map.Entry<String, Set<List<String>>> e : distinct.entrySet()) {
            try (ScriptParser parser = ScriptParser.of(e.getKey())) {
                for (List<String> args : e.getValue()) {
                    checked++;
                    parser.reject(args).ifPresent(m -> problems.add(where(commands, e.getKey(), args) + ": " + m));
                }
            }
        }
        assertThat(problems).as("commands in the docs that the scripts would refuse").isEmpty();
        assertThat(distinct.keySet()).as("scripts the runbook runs")
                .contains("backup.java", "restore.java", "health-check.java", "verify-startup.java", "install-tasks.java", "dr-drill.java");
        assertThat(checked).as("distinct command lines checked (of %d in the docs)", commands.size()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void aMisspeltOptionAPlaceholderOrAValueNobodyAcceptsFailsTheCheck() {
        try (ScriptParser restore = ScriptParser.of("restore.java")) {
            assertThat(restore.reject(List.of("--from-remote", "--latest"))).isEmpty();
            Command misspelt = command("./jbang restore.java --frm-remote --latest", "bash", "self-check", "", new ArrayList<>()).orElseThrow();
            assertThat(restore.reject(misspelt.args())).hasValueSatisfying(m -> assertThat(m).contains("Unknown option: '--frm-remote'"));
            assertThat(restore.reject(List.of("--latest", "--date", "2026-11-20"))).as("mutually exclusive").isPresent();
            assertThat(restore.reject(List.of("--date", "2026-13-01"))).as("not a date").isPresent();
            assertThat(restore.reject(List.of("--type"))).as("missing value").isPresent();
            assertThat(restore.reject(List.of("--frm-remote", "--help"))).as("why --help cannot be the check").isEmpty();
        }
        List<String> problems = new ArrayList<>();
        assertThat(command("./jbang restore.java --date REPLACE-WITH-WHEN", "bash", "self-check", "", problems)).isPresent();
        assertThat(problems).singleElement().asString().contains("unknown placeholder REPLACE-WITH-WHEN");
        Command typo = command(".\\jbang.cmd backup.java --type dayly --list", "powershell", "self-check", "", problems).orElseThrow();
        assertThat(badValues(typo)).singleElement().asString().contains("dayly");
    }

    @Test
    void theLauncherRejectsTheMisspeltOptionTooAndParsesTheRightOneBeforeDoingAnything() {
        Path missing = work.resolve("no such dir/ops.env");
        Map<String, String> env = Map.of("RA_INFRA_HOME", work.toString());
        Scripts.Run typo = Scripts.run(env, "restore.java", "--frm-remote", "--latest", "--config", missing.toString());
        assertThat(typo.exit()).as(typo.all()).isEqualTo(2);
        assertThat(typo.err()).contains("Unknown option: '--frm-remote'");
        Scripts.Run right = Scripts.run(env, "restore.java", "--from-remote", "--latest", "--config", missing.toString());
        assertThat(right.exit()).as(right.all()).isEqualTo(2);
        assertThat(right.err()).contains("config file not found").doesNotContain("Unknown option");
    }

    /**
     * Every runbook run with a placeholder, pasted as written, for real: the script must refuse it in one error
     * line that quotes the placeholder. {@code --dry-run} is added so that one reaching a real step changes nothing.
     */
    @Test
    void aPlaceholderLeftInIsRefusedInOneLineThatQuotesIt() {
        Map<List<String>, String> runs = new LinkedHashMap<>();
        for (Markdown.Block b : Markdown.read(RUNBOOK).blocks()) {
            if (!b.lang().equals("bash")) continue;
            for (String line : b.lines()) {
                Matcher m = INVOCATION.matcher(line.strip());
                if (!m.matches() || !PLACEHOLDER.matcher(line).find()) continue;
                List<String> args = new ArrayList<>(List.of(m.group(2)));
                args.addAll(words(m.group(3)));
                if (!args.contains("--dry-run")) args.add("--dry-run");
                runs.putIfAbsent(args, line.strip());
            }
        }
        assertThat(runs).as("runbook commands with a placeholder").hasSizeGreaterThanOrEqualTo(2);
        Map<String, String> env = Map.of("RA_INFRA_HOME", work.toString());
        runs.forEach((args, line) -> {
            Scripts.Run r = Scripts.run(env, args.get(0), args.subList(1, args.size()).toArray(String[]::new));
            List<String> errors = r.err().lines().filter(l -> l.startsWith("error:")).toList();
            assertThat(r.exit()).as("%s%n%s", line, r.all()).isEqualTo(2);
            assertThat(errors).as(line).singleElement().asString().contains("HINT:")
                    .contains(PLACEHOLDER.matcher(line).results().map(MatchResult::group).toArray(String[]::new));
        });
    }

    @Test
    void copyPasteLinesHoldNoAngleBracketPlaceholders() {
        List<String> problems = new ArrayList<>();
        for (Path page : SHELL_PAGES) {
            for (Markdown.Block b : Markdown.read(page).blocks()) {
                if (b.lang().equals("text")) continue;
                for (String line : typed(b)) {
                    Matcher m = ANGLE_PLACEHOLDER.matcher(line);
                    if (m.find()) problems.add(page.getFileName() + ":" + b.line() + ": " + m.group() + " in: " + line);
                }
            }
        }
        assertThat(problems).as("write placeholders as REPLACE-WITH-WORD: PowerShell refuses '<'").isEmpty();
    }

    @Test
    void everyBashOnlyLineIsInABashBlockWithAPowerShellTwinOrAPointer() throws IOException {
        List<String> problems = new ArrayList<>();
        int bashOnlyBlocks = 0;
        for (Path page : SHELL_PAGES) {
            List<String> text = Files.readAllLines(page);
            List<Markdown.Block> blocks = Markdown.read(page).blocks().stream().filter(b -> !b.lang().equals("text")).toList();
            for (int i = 0; i < blocks.size(); i++) {
                Markdown.Block b = blocks.get(i);
                Optional<String> bashOnly = typed(b).stream().filter(RunbookTest::bashOnly).findFirst();
                if (bashOnly.isEmpty()) continue;
                bashOnlyBlocks++;
                String where = page.getFileName() + ":" + b.line() + ": " + bashOnly.get();
                if (!b.lang().equals("bash")) problems.add(where + " (in a block marked '" + b.lang() + "', not bash)");
                else if (!twin(blocks, i) && !prose(text, b).contains("PowerShell")) {
                    problems.add(where + " (no powershell block beside it, no word about PowerShell around it)");
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(bashOnlyBlocks).as("bash-only blocks found").isGreaterThanOrEqualTo(5);
    }

    @Test
    void gpgWritesKeyFilesItselfSoPowerShellCannotReencodeThem() throws IOException {
        List<String> exports = new ArrayList<>();
        List<Path> pages = new ArrayList<>(List.of(Scripts.root().resolve("README.md")));
        try (var docs = Files.list(DOCS)) {
            docs.filter(f -> f.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        for (Path page : pages) {
            List<String> lines = Files.readAllLines(page);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = GPG_EXPORT.matcher(lines.get(i));
                while (m.find()) exports.add(page.getFileName() + ":" + (i + 1) + ": " + m.group().strip());
            }
        }
        assertThat(exports).as("gpg key exports in the docs").hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(e -> assertThat(e).contains("--output ").doesNotContain(">"));
    }

    /** The detectors above find what they are for: the lines the pages used to hold. */
    @Test
    void theShellChecksCatchWhatPowerShellWouldBreakOn() {
        assertThat(bashOnly("zstd -dc F.dump.zst | docker exec -i inventory-db pg_restore -U postgres -d inventory_copy")).isTrue();
        assertThat(bashOnly("gpg --export --armor backups@example.com > config/backup-key.asc")).isTrue();
        assertThat(bashOnly("read -rs DECRYPT_PASSPHRASE && export DECRYPT_PASSPHRASE")).isTrue();
        assertThat(bashOnly("DECRYPT_KEY=backup-secret.asc ./jbang restore.java --from-remote --latest")).isTrue();
        assertThat(bashOnly("$m = Get-Content m.manifest.json | ConvertFrom-Json")).isFalse();
        assertThat(bashOnly("Read-Host \"a | b > c\"  # quoted or commented, | and > are words")).isFalse();
        assertThat(bashOnly("ALERT_EMAIL=you@gmail.com, colleague@example.com")).isFalse();
        Markdown.Block transcript = new Markdown.Block("", "", 1, List.of("PS C:\\ra> .\\jbang.cmd install-tasks.java", "*/5 * * * * x >/dev/null"));
        assertThat(typed(transcript)).containsExactly(".\\jbang.cmd install-tasks.java");
        assertThat(ANGLE_PLACEHOLDER.matcher(withoutComment("./jbang restore.java --date <date>")).find()).isTrue();
        assertThat(ANGLE_PLACEHOLDER.matcher(withoutComment("gpg --quick-gen-key \"Inventory <backups@example.com>\"")).find()).isFalse();
        assertThat(GPG_EXPORT.matcher("then `gpg --export --armor K > config\\backup-key.asc` |").results().map(MatchResult::group))
                .singleElement().asString().contains(">").doesNotContain("--output");
    }

    /** The lines of a block a reader types, comments removed: all of them, or a transcript's prompt lines without the prompt. */
    private static List<String> typed(Markdown.Block b) {
        boolean transcript = !b.lines().isEmpty() && PROMPT.matcher(b.lines().get(0)).lookingAt();
        return b.lines().stream().filter(l -> !transcript || PROMPT.matcher(l).lookingAt())
                .map(l -> withoutComment(PROMPT.matcher(l).replaceFirst("")).strip()).filter(l -> !l.isEmpty()).toList();
    }

    private static boolean bashOnly(String typedLine) {
        String bare = withoutQuotes(withoutComment(typedLine)).strip();
        return BASH_ONLY.stream().anyMatch(p -> p.matcher(bare).find());
    }

    /** A {@code #} that starts a word outside quotes begins a comment, in bash and PowerShell alike. */
    private static String withoutComment(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) quote = c == quote ? 0 : quote;
            else if (c == '"' || c == '\'') quote = c;
            else if (c == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) return line.substring(0, i);
        }
        return line;
    }

    private static String withoutQuotes(String line) {
        return line.replaceAll("\"[^\"]*\"|'[^']*'", "\"\"");
    }

    /** Whether the nearest non-output block before or after {@code blocks[i]}, in its section, is its PowerShell twin. */
    private static boolean twin(List<Markdown.Block> blocks, int i) {
        return IntStream.of(i - 1, i + 1).filter(j -> j >= 0 && j < blocks.size()).mapToObj(blocks::get)
                .anyMatch(n -> n.lang().equals("powershell") && n.section().equals(blocks.get(i).section()));
    }

    /** The prose right before and right after a block: up to the next fence or heading either way. */
    private static String prose(List<String> text, Markdown.Block b) {
        StringBuilder out = new StringBuilder();
        for (int i = b.line() - 2; i >= 0 && !boundary(text.get(i)); i--) out.append(text.get(i)).append('\n');
        for (int i = b.line() + b.lines().size() + 1; i < text.size() && !boundary(text.get(i)); i++) out.append(text.get(i)).append('\n');
        return out.toString();
    }

    private static boolean boundary(String line) {
        String l = line.strip();
        return l.startsWith("```") || l.startsWith("#");
    }

    @Test
    void powershellAndBashRunTheSameCommandsInEverySection() {
        List<Command> commands = commands(new ArrayList<>());
        Map<String, List<String>> ps = new LinkedHashMap<>();
        Map<String, List<String>> sh = new LinkedHashMap<>();
        for (Command c : commands) {
            if (c.shell().equals("powershell")) ps.computeIfAbsent(c.section(), s -> new ArrayList<>()).add(c.portable());
            if (c.shell().equals("bash")) sh.computeIfAbsent(c.section(), s -> new ArrayList<>()).add(c.portable());
        }
        assertThat(ps).as("script runs per section, PowerShell (left) against bash").isEqualTo(sh);
        assertThat(ps).isNotEmpty();
    }

    @Test
    void everyLinkAnchorAndScriptNameResolves() throws IOException {
        List<String> problems = new ArrayList<>();
        Pattern script = Pattern.compile("\\b([a-z][a-z0-9-]*)\\.java\\b");
        for (Path page : PAGES) {
            Markdown md = Markdown.read(page);
            for (Markdown.Found link : md.links()) {
                String where = page.getFileName() + ":" + link.line() + " " + link.text();
                if (link.text().matches("^[a-z]+:.*")) continue; // a web address: not ours to check offline
                String[] parts = link.text().split("#", 2);
                Path target = parts[0].isEmpty() ? page : page.getParent().resolve(parts[0]).normalize();
                if (!Files.exists(target)) problems.add(where + ": no such file");
                else if (parts.length == 2 && !Markdown.read(target).anchors().contains(parts[1])) problems.add(where + ": no such heading");
            }
            Matcher m = script.matcher(Files.readString(page));
            while (m.find()) if (!Files.isRegularFile(Scripts.root().resolve(m.group()))) problems.add(page.getFileName() + ": no script " + m.group());
        }
        assertThat(problems).isEmpty();
        assertThat(Markdown.read(RUNBOOK).links()).extracting(Markdown.Found::text)
                .contains("GLOSSARY.md", "TROUBLESHOOTING.md", "alerts.md", "backup-format.md");
    }

    /**
     * Case B of section 2, typed as written, works from where section 1 leaves the reader (a container of
     * that name on a damaged volume) and from a deleted container alike: the new container never gets the
     * old volume, and the old container is kept, renamed, with its volume.
     */
    @Test
    void caseBCreatesTheNewContainerOnANewVolumeWhateverTheOldOneLeft() {
        List<List<String>> docker = caseBDockerCommands();
        assertThat(docker).as("docker commands of case B").hasSizeGreaterThanOrEqualTo(4);
        for (boolean oldContainerLeft : List.of(true, false)) {
            String name = "ra-test-runbook-" + Long.toHexString(System.nanoTime());
            String volume = name + "-vol";
            String damaged = name + "-damaged-" + CASE_B_TODAY;
            try {
                if (oldContainerLeft) {
                    Proc.Result old = Proc.run(List.of("docker", "run", "-d", "--name", name, "--restart", "unless-stopped", "--network", "host",
                            "-e", "POSTGRES_PASSWORD=old", "-v", volume + ":/var/lib/postgresql/data", Fixtures.IMAGE, "-c",
                            "port=" + tests.support.TestContainer.freePort()), Map.of(), Duration.ofSeconds(60));
                    assertThat(old.ok()).as(old.lastError()).isTrue();
                }
                for (List<String> cmd : docker) {
                    List<String> typed = cmd.stream().flatMap(w -> caseBWord(w, name, volume).stream()).toList();
                    Proc.Result r = Proc.run(typed, Map.of("POSTGRES_PASSWORD", "new-pw"), Duration.ofSeconds(60));
                    boolean noOldOne = !oldContainerLeft && r.stderr().contains("No such container") && !typed.get(1).equals("run");
                    assertThat(r.ok() || noOldOne).as("%s%nstderr: %s", typed, r.stderr()).isTrue();
                }
                Proc.Result mounts = Proc.run(List.of("docker", "inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", name), Map.of(), Duration.ofSeconds(30));
                assertThat(mounts.stdout().strip()).as("the new container's volume").isEqualTo(volume + "-" + CASE_B_TODAY);
                if (oldContainerLeft) {
                    Proc.Result kept = Proc.run(List.of("docker", "inspect", "-f", "{{.State.Running}} {{.HostConfig.RestartPolicy.Name}} "
                            + "{{range .Mounts}}{{.Name}}{{end}}", damaged), Map.of(), Duration.ofSeconds(30));
                    assertThat(kept.stdout().strip()).as("the old container, kept").isEqualTo("false no " + volume);
                }
            } finally {
                Proc.run(List.of("docker", "rm", "-f", "-v", name, damaged), Map.of(), Duration.ofSeconds(60));
                Proc.run(List.of("docker", "volume", "rm", volume, volume + "-" + CASE_B_TODAY), Map.of(), Duration.ofSeconds(60));
            }
        }
    }

    private static final String CASE_B_TODAY = "20261203";

    /** The docker command lines of section 2's case B (bash blocks), as word lists. */
    private static List<List<String>> caseBDockerCommands() {
        List<String> lines;
        try {
            lines = Files.readAllLines(RUNBOOK);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        int caseB = lines.indexOf("**Case B: the volume is gone too (or its data is damaged).**") + 1;
        assertThat(caseB).as("case B in section 2").isPositive();
        return Markdown.read(RUNBOOK).blocks().stream()
                .filter(b -> b.section().equals("2. The container was deleted") && b.lang().equals("bash") && b.line() > caseB)
                .flatMap(b -> b.lines().stream()).map(String::strip).filter(l -> l.startsWith("docker ")).map(RunbookTest::words).toList();
    }

    /**
     * One documented word as this machine runs it: the test's names for the reader's container and volume, the
     * test image on a port of its own instead of postgres:15 published on 5432 (the engine here has no bridge).
     * The password the reader types at the prompt reaches docker through the environment.
     */
    private static List<String> caseBWord(String word, String name, String volume) {
        String w = word.replace("REPLACE-WITH-TODAY", CASE_B_TODAY)
                .replace("inventory-pgdata", volume).replace("inventory-db", name);
        if (w.equals("-p")) return List.of("--network");
        if (w.equals("5432:5432")) return List.of("host");
        if (w.equals("postgres:15")) return List.of(Fixtures.IMAGE, "-c", "port=" + tests.support.TestContainer.freePort());
        return List.of(w);
    }

    @Test
    void stockToolCommandsRestoreRealBackupsWithoutOurScripts() {
        ScratchServer container = Fixtures.container();
        Pg host = new Pg(new PgTarget(Fixtures.config(Fixtures.trustCluster(), work)));
        Pg inContainer = new Pg(new PgTarget(Fixtures.config(container, work)));
        HOST_RESTORES.forEach(host::dropDatabase);
        inContainer.dropDatabase(CONTAINER_RESTORE);
        List<Markdown.Block> blocks = stockToolBlocks();
        assertThat(blocks).as("bash blocks in " + STOCK_TOOLS).hasSizeGreaterThanOrEqualTo(4);
        try {
            for (Markdown.Block b : blocks) {
                Proc.Result r = bash(b, work, container.container());
                assertThat(r.exit()).as("DR-RUNBOOK.md:%d exit code\n%s\nstdout:\n%s\nstderr:\n%s", b.line(), b.text(), r.stdout(), r.stderr()).isZero();
            }
            for (String db : HOST_RESTORES) assertThat(host.psql().value(db, "SELECT count(*) FROM products")).as(db).isEqualTo(String.valueOf(ROWS));
            assertThat(inContainer.psql().value(CONTAINER_RESTORE, "SELECT count(*) FROM products")).isEqualTo(String.valueOf(ROWS));
        } finally {
            HOST_RESTORES.forEach(host::dropDatabase);
            inContainer.dropDatabase(CONTAINER_RESTORE);
        }
    }

    @Test
    void theDocumentedChecksumCommandCatchesADamagedDump() throws IOException {
        Markdown.Block check = stockToolBlocks().stream().filter(b -> b.text().contains("sha256sum -c")).findFirst().orElseThrow();
        Path damaged = Files.createDirectories(work.resolveSibling("damaged").resolve("backups/daily"));
        for (String suffix : List.of(".dump.zst", ".manifest.json")) {
            Files.copy(work.resolve("backups/daily").resolve(PLAIN + suffix), damaged.resolve(PLAIN + suffix), StandardCopyOption.REPLACE_EXISTING);
        }
        byte[] dump = Files.readAllBytes(damaged.resolve(PLAIN + ".dump.zst"));
        dump[dump.length / 2] ^= 0x01;
        Files.write(damaged.resolve(PLAIN + ".dump.zst"), dump);

        Markdown.Block checksumOnly = new Markdown.Block("bash", STOCK_TOOLS, check.line(),
                check.lines().stream().takeWhile(l -> !l.startsWith("zstd")).toList());
        Proc.Result r = bash(checksumOnly, damaged.getParent().getParent(), "unused");
        assertThat(r.exit()).isNotZero();
        assertThat(r.stdout()).contains(PLAIN + ".dump.zst: FAILED");
        assertThat(r.stderr()).contains("did NOT match");
    }

    private static List<Markdown.Block> stockToolBlocks() {
        return Markdown.read(RUNBOOK).blocks().stream().filter(b -> b.section().equals(STOCK_TOOLS) && b.lang().equals("bash")).toList();
    }

    /**
     * Runs a documented bash block as the reader would, in {@code dir}, with the test's container, remote and
     * servers in place of the reader's. Bash is the subject under test here, so the block goes to it whole.
     */
    private static Proc.Result bash(Markdown.Block b, Path dir, String containerName) {
        String text = b.text().replace("inventory-db", containerName)
                .replace("gdrive:inventory-backups", remote.remote())
                .replace("config/rclone.conf", remote.configFile().toString());
        Config cfg = Fixtures.config(Fixtures.trustCluster(), work);
        Map<String, String> env = new HashMap<>(Map.of("RUNBOOK_DIR", dir.toString(), "GNUPGHOME", gnupgHome.toString(),
                "PGHOST", cfg.get("PGHOST"), "PGPORT", cfg.get("PGPORT"), "PGUSER", cfg.get("PGUSER")));
        return Proc.run(List.of("bash", "-c", "set -e\ncd \"$RUNBOOK_DIR\"\n" + text), env, Duration.ofMinutes(5));
    }

    /** Copies a backup set under the example name the runbook uses, keeping each file's suffix. */
    private static void store(Path dump, Path dir, String exampleBase) throws IOException {
        Files.createDirectories(dir);
        BackupStore.Entry set = BackupStore.parse(dump).orElseThrow();
        for (Path f : set.files()) {
            String name = f.getFileName().toString();
            Files.copy(f, dir.resolve(exampleBase + name.substring(BackupStore.baseOf(name).length())));
        }
    }

    /** Every script run in the pages: block lines and inline code spans, with misuse noted in {@code problems}. */
    private static List<Command> commands(List<String> problems) {
        List<Command> out = new ArrayList<>();
        for (Path page : PAGES) {
            Markdown md = Markdown.read(page);
            for (Markdown.Block b : md.blocks()) {
                if (b.lang().equals("text")) continue;
                for (int i = 0; i < b.lines().size(); i++) {
                    String line = b.lines().get(i).strip();
                    String where = page.getFileName() + ":" + (b.line() + 1 + i);
                    if (line.endsWith("\\") || line.endsWith("`")) problems.add(where + ": no line continuations; one command per line");
                    if (!line.contains("jbang")) continue;
                    command(line, b.lang(), b.section(), where, problems).ifPresentOrElse(out::add, () -> problems.add(
                            where + ": mentions jbang but is not .\\jbang.cmd X.java ... or ./jbang X.java ...: " + line));
                }
            }
            for (Markdown.Found span : md.codeSpans()) {
                if (span.text().startsWith(".\\jbang.cmd ") || span.text().startsWith("./jbang ")) {
                    command(span.text(), "inline", "", page.getFileName() + ":" + span.line(), problems).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    /**
     * Parses one line (empty when it is no run of a script): {@code .\jbang.cmd X.java args} belongs in
     * PowerShell, {@code ./jbang X.java args} in bash; a trailing {@code # comment} is dropped and
     * placeholders are filled in (an unknown one is a problem and stays as written).
     */
    private static Optional<Command> command(String line, String shell, String section, String where, List<String> problems) {
        Matcher m = INVOCATION.matcher(line);
        if (!m.matches()) return Optional.empty();
        boolean windows = m.group(1).startsWith(".\\");
        if (shell.equals("powershell") && !windows || shell.equals("bash") && windows) {
            problems.add(where + ": " + m.group(1) + " in a " + shell + " block");
        }
        List<String> args = new ArrayList<>();
        for (String w : words(m.group(3))) {
            Matcher p = PLACEHOLDER.matcher(w);
            StringBuilder filled = new StringBuilder();
            while (p.find()) {
                String value = PLACEHOLDERS.get(p.group());
                if (value == null) problems.add(where + ": unknown placeholder " + p.group() + " (known: " + PLACEHOLDERS.keySet() + ")");
                p.appendReplacement(filled, Matcher.quoteReplacement(value == null ? p.group() : value));
            }
            p.appendTail(filled);
            args.add(filled.toString());
        }
        return Optional.of(new Command(where, shell, section, m.group(2), List.copyOf(args)));
    }

    /** Words as a shell splits them: whitespace outside quotes, quotes removed, a {@code #} word ends the line. */
    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder w = null;
        char quote = 0;
        for (char c : s.toCharArray()) {
            if (quote != 0) {
                if (c == quote) quote = 0;
                else w.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                if (w == null) w = new StringBuilder();
            } else if (Character.isWhitespace(c)) {
                if (w != null) out.add(w.toString());
                w = null;
            } else if (c == '#' && w == null) {
                break;
            } else {
                if (w == null) w = new StringBuilder();
                w.append(c);
            }
        }
        if (quote != 0) throw new AssertionError("unclosed quote in: " + s);
        if (w != null) out.add(w.toString());
        return out;
    }

    /** Values the scripts would refuse at run time (after parsing), checked against the lists they use. */
    private static List<String> badValues(Command c) {
        Map<String, Collection<String>> allowed = new HashMap<>();
        List<String> types = new ArrayList<>(BackupStore.TYPES);
        types.add(BackupStore.SAFETY);
        allowed.put("--type", types);
        allowed.put("--scenario", Sandbox.SCENARIOS);
        allowed.put("--volume", Config.load(null, Map.of(), Map.of("RA_INFRA_HOME", DOCS.toString())).list("VOLUMES"));
        if (c.script().equals("health-check.java")) allowed.put("--only", HealthCheck.NAMES);
        if (c.script().equals("install-tasks.java")) allowed.put("--only", Tasks.IDS);
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < c.args().size(); i++) {
            String a = c.args().get(i);
            String option = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (!allowed.containsKey(option)) continue;
            String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : i + 1 < c.args().size() ? c.args().get(i + 1) : "";
            for (String v : value.split(",")) {
                if (!allowed.get(option).contains(v)) bad.add(c.where() + ": " + option + " " + v + " is not one of " + allowed.get(option));
            }
        }
        return bad;
    }

    private static String where(List<Command> commands, String script, List<String> args) {
        return commands.stream().filter(c -> c.script().equals(script) && c.args().equals(args)).map(Command::where)
                .reduce((a, b) -> a + ", " + b).orElse(script) + " (" + script + " " + String.join(" ", args) + ")";
    }
}
