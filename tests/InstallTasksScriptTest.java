package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lib.Proc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.Scripts;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * install-tasks.java as an operator runs it: previews for every platform checked by the real tools
 * (systemd-analyze verify, crontab -n, an XML parser), a real crontab install / list / re-install /
 * uninstall round trip, and the usage errors.
 */
class InstallTasksScriptTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A real account whose crontab the round trip may use (the tests run as root). */
    private static final String CRON_USER = "postgres";
    private static final String OTHER_LINES = "# my own jobs\nMAILTO=ops@example.com\n17 4 * * * /usr/bin/true nightly\n";

    private Path home;
    private String savedCrontab;

    @BeforeEach
    void newHome() { home = Fixtures.home(); }

    private Map<String, String> env() { return Map.of("RA_INFRA_HOME", Scripts.root().toString(), "LOG_DIR", home.resolve("logs").toString()); }

    private Scripts.Run run(String... args) { return Scripts.run(env(), "install-tasks.java", args); }

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void aWindowsPreviewWritesOneTaskFilePerTaskAndPrintsTheSchtasksCalls() throws Exception {
        Path out = home.resolve("preview");
        Scripts.Run r = run("--platform", "windows", "--home", "C:\\Users\\Ops Team\\ra infra", "--dry-run", "--out", out.toString());

        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(files(out)).extracting(p -> p.getFileName().toString()).containsExactly("ra-infrastructure-backup-daily.xml",
                "ra-infrastructure-backup-volumes.xml", "ra-infrastructure-backup-weekly.xml", "ra-infrastructure-dr-drill.xml", "ra-infrastructure-health-check.xml",
                "ra-infrastructure-verify-startup.xml");
        assertThat(r.out()).contains("would run: schtasks /Create /TN ra-infrastructure-health-check /XML ")
                .contains("dry run: nothing was changed on windows");
        byte[] xml = Files.readAllBytes(out.resolve("ra-infrastructure-verify-startup.xml"));
        assertThat(xml[0] & 0xff).isEqualTo(0xFF);
        assertThat(xml[1] & 0xff).isEqualTo(0xFE);
        assertThat(new String(xml, StandardCharsets.UTF_16LE)).as("the logon task runs visibly, with absolute quoted paths")
                .contains("\"\"C:\\Users\\Ops Team\\ra infra\\jbang.cmd\" \"C:\\Users\\Ops Team\\ra infra\\verify-startup.java\"\"");
        // hidden runs name the files relative to the task's (absolute) working directory: conhost re-quotes its arguments
        assertThat(new String(Files.readAllBytes(out.resolve("ra-infrastructure-backup-daily.xml")), StandardCharsets.UTF_16LE))
                .contains("<Command>%SystemRoot%\\System32\\conhost.exe</Command>").contains(".\\backup.java --type daily")
                .contains("<WorkingDirectory>C:\\Users\\Ops Team\\ra infra</WorkingDirectory>");
    }

    @Test
    void loggedOffTheWindowsStartupCheckWaitsForTheEngineWithoutLaunchingDockerDesktop() throws Exception {
        Path out = home.resolve("preview");
        Scripts.Run r = run("--platform", "windows", "--home", "C:\\ra", "--logged-off", "--dry-run", "--out", out.toString());

        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(new String(Files.readAllBytes(out.resolve("ra-infrastructure-verify-startup.xml")), StandardCharsets.UTF_16LE))
                .contains("<LogonType>S4U</LogonType>").contains("\"C:\\ra\\verify-startup.java\" --no-desktop\"</Arguments>");
        assertThat(new String(Files.readAllBytes(out.resolve("ra-infrastructure-backup-daily.xml")), StandardCharsets.UTF_16LE))
                .doesNotContain("--no-desktop");
    }

    @Test
    void aSystemdPreviewPassesSystemdAnalyzeVerifyWithNothingOnStderr() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")) || System.getenv("CI") != null, "systemd-analyze not installed");
        Path out = home.resolve("units");
        Scripts.Run r = run("--platform", "systemd", "--system", "--dry-run", "--out", out.toString());

        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(files(out)).hasSize(12).allMatch(p -> p.toString().endsWith(".service") || p.toString().endsWith(".timer"));
        assertThat(r.out()).contains("would run: systemctl daemon-reload")
                .contains("would run: systemctl enable --now ra-infrastructure-health-check.timer");
        List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no"));
        files(out).forEach(p -> cmd.add(p.toString()));
        Proc.Result v = Proc.run(cmd, Map.of(), Duration.ofSeconds(60));
        assertThat(v.stderr()).as("systemd-analyze verify").isEmpty();
        assertThat(v.exit()).isZero();
        assertThat(Files.readString(out.resolve("ra-infrastructure-backup-weekly.timer"))).contains("OnCalendar=Sun *-*-* 03:10:00")
                .contains("Persistent=true");
    }

    @Test
    void aCronPreviewIsOneMarkedBlockThatCrontabAccepts() throws Exception {
        Path out = home.resolve("cron");
        Scripts.Run r = run("--platform", "cron", "--dry-run", "--out", out.toString(), "--at", "backup-daily=01:30");

        assertThat(r.exit()).as(r.all()).isZero();
        Path block = out.resolve("ra-infrastructure.crontab");
        assertThat(files(out)).containsExactly(block);
        assertThat(r.out()).as("a dry run names the builds it would make, and makes none").contains("would build: health-check.java (")
                .contains("would build: backup.java (").contains("would build: dr-drill.java (");
        assertThat(Files.readString(block)).startsWith("# BEGIN ra-infrastructure").contains("30 1 * * * ").contains("2-59/5 * * * * ")
                .contains("@reboot sleep 60 && ").contains("'" + Scripts.root().resolve("jbang") + "'");
        Proc.Result check = Proc.run(List.of("crontab", "-n", block.toString()), Map.of(), Duration.ofSeconds(30));
        assertThat(check.exit()).as(check.stderr()).isZero();
    }

    /** Restores the cron user's table whatever the test did to it. */
    @AfterEach
    void restoreCrontab() {
        if (savedCrontab == null) return;
        if (savedCrontab.isEmpty()) {
            Proc.run(List.of("crontab", "-u", CRON_USER, "-r"), Map.of(), Duration.ofSeconds(30));
        } else {
            Proc.run(List.of("crontab", "-u", CRON_USER, "-"), Map.of(), Duration.ofSeconds(30),
                    new java.io.ByteArrayInputStream(savedCrontab.getBytes(StandardCharsets.UTF_8)), null);
        }
    }

    private String crontab() {
        Proc.Result r = Proc.run(List.of("crontab", "-u", CRON_USER, "-l"), Map.of(), Duration.ofSeconds(30));
        return r.ok() ? r.stdout() : "";
    }

    private void setCrontab(String table) {
        Proc.Result r = Proc.run(List.of("crontab", "-u", CRON_USER, "-"), Map.of(), Duration.ofSeconds(30),
                new java.io.ByteArrayInputStream(table.getBytes(StandardCharsets.UTF_8)), null);
        assertThat(r.exit()).as(r.stderr()).isZero();
    }

    @Test
    void aRealCrontabInstallListReinstallAndUninstallLeavesTheOtherLinesAlone() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "crontab -u needs root");
        savedCrontab = crontab();
        setCrontab(OTHER_LINES);

        Scripts.Run install = run("--platform", "cron", "--run-as", CRON_USER);
        String installed = crontab();
        Scripts.Run again = run("--platform", "cron", "--run-as", CRON_USER);
        String reinstalled = crontab();
        Scripts.Run list = run("--platform", "cron", "--run-as", CRON_USER, "--list", "--json");
        Scripts.Run removeOne = run("--platform", "cron", "--run-as", CRON_USER, "--uninstall", "--only", "dr-drill");
        String withoutDrill = crontab();
        Scripts.Run remove = run("--platform", "cron", "--run-as", CRON_USER, "--uninstall");

        assertThat(install.exit()).as(install.all()).isZero();
        assertThat(install.out()).contains("installed 6 task(s) on cron").contains("NEXT RUN");
        assertThat(installed).startsWith(OTHER_LINES).contains("# BEGIN ra-infrastructure").contains("# END ra-infrastructure");
        assertThat(again.exit()).as(again.all()).isZero();
        assertThat(reinstalled).as("re-running install changes nothing").isEqualTo(installed);
        JsonNode rows = JSON.readTree(list.out()).path("installed");
        assertThat(rows).hasSize(6);
        assertThat(rows.get(0).path("name").asText()).isEqualTo("ra-infrastructure-health-check");
        assertThat(rows.get(0).path("nextRun").asText()).isNotBlank();
        assertThat(removeOne.out()).contains("removed 1 task(s) from cron: ra-infrastructure-dr-drill");
        assertThat(withoutDrill).startsWith(OTHER_LINES).doesNotContain("dr-drill").contains("ra-infrastructure-health-check");
        assertThat(remove.exit()).as(remove.all()).isZero();
        assertThat(crontab()).isEqualTo(OTHER_LINES);
        assertThat(Files.readString(home.resolve("logs/install-tasks.log"))).contains("installed 6 task(s) on cron")
                .contains("built health-check.java, backup.java, verify-startup.java, dr-drill.java");
    }

    @Test
    void aScheduledScriptThatDoesNotBuildStopsTheInstallAndIsReportedThen() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "crontab -u needs root");
        savedCrontab = crontab();
        setCrontab(OTHER_LINES);
        // a project whose health check does not compile, run by its own copy of the launcher
        Path project = home.resolve("project");
        Files.createDirectories(project.resolve(".jbang"));
        for (String f : List.of("jbang", ".jbang/Launch.java", ".jbang/Bootstrap.java", ".jbang/jbang-cli.lock")) {
            Files.copy(Scripts.root().resolve(f), project.resolve(f), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.writeString(project.resolve("health-check.java"), "class healthcheck { this does not compile }\n");

        Scripts.Run r = Scripts.run(Map.of("RA_INFRA_HOME", project.toString(), "LOG_DIR", home.resolve("logs").toString()),
                "install-tasks.java", "--platform", "cron", "--run-as", CRON_USER, "--only", "health-check");

        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        assertThat(r.err()).contains("building health-check.java failed (").contains("nothing was installed")
                .contains("HINT: the error is above");
        assertThat(crontab()).as("nothing installed").isEqualTo(OTHER_LINES);
    }

    @Test
    void twoInstallsAtOnceLeaveOneBlockAndTheOtherLinesIntact() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "crontab -u needs root");
        savedCrontab = crontab();
        setCrontab(OTHER_LINES);

        List<Process> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            runs.add(Scripts.start(env(), home.resolve("out" + i), home.resolve("err" + i), "install-tasks.java",
                    "--platform", "cron", "--run-as", CRON_USER));
        }
        List<Integer> exits = new ArrayList<>();
        for (Process p : runs) {
            assertThat(p.waitFor(3, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
            exits.add(p.exitValue());
        }

        assertThat(exits).as("each installed, or was told another install is running").allMatch(e -> e == 0 || e == 3).contains(0);
        String table = crontab();
        assertThat(table).startsWith(OTHER_LINES);
        assertThat(table.split("# BEGIN ra-infrastructure", -1)).hasSize(2);
        assertThat(table.split("ra-infrastructure-health-check: every 5m", -1)).hasSize(2);
    }

    @Test
    void usageErrorsExitTwoWithTheFix() {
        Scripts.Run badTime = run("--platform", "cron", "--dry-run", "--at", "backup-daily=25:00");
        Scripts.Run badTask = run("--platform", "cron", "--dry-run", "--only", "backup-nightly");
        Scripts.Run outAlone = run("--platform", "cron", "--out", home.toString());
        Scripts.Run badPlatform = run("--platform", "launchd", "--dry-run");

        assertThat(badTime.exit()).isEqualTo(2);
        assertThat(badTime.err()).contains("SCHEDULE_BACKUP_DAILY (from flag)").contains("hour 25");
        assertThat(badTask.exit()).isEqualTo(2);
        assertThat(badTask.err()).contains("unknown task 'backup-nightly'");
        assertThat(outAlone.exit()).isEqualTo(2);
        assertThat(outAlone.err()).contains("--out only goes with --dry-run");
        assertThat(badPlatform.exit()).isEqualTo(2);
        assertThat(badPlatform.err()).contains("unknown --platform launchd");
    }

    @Test
    void helpShowsEveryPlatformsExampleAndTheExitCodes() {
        Scripts.Run help = run("--help");

        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Examples:").contains("--platform").contains("--uninstall").contains("--list")
                .contains("Exit codes:").contains("Task Scheduler").contains("systemd").contains("cron");
    }
}
