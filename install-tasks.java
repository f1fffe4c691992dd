///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Installs, lists and removes the schedules: health check every 5 minutes, daily and weekly backups, the startup check at boot/logon, a quarterly drill. Windows Task Scheduler, systemd timers or cron.
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS org.zeroturnaround:zt-exec:1.13.0
//DEPS org.slf4j:slf4j-api:2.0.20
//DEPS org.slf4j:slf4j-nop:2.0.20
//DEPS com.github.luben:zstd-jni:1.5.7-28
//DEPS com.fasterxml.jackson.core:jackson-databind:2.23.0
//DEPS com.fasterxml.jackson.datatype:jackson-datatype-jsr310:2.23.0
//DEPS org.postgresql:postgresql:42.7.14
//DEPS org.eclipse.angus:angus-mail:2.0.5
//DEPS org.bouncycastle:bcprov-jdk18on:1.86
//DEPS org.bouncycastle:bcpg-jdk18on:1.86
//DEPS org.apache.commons:commons-compress:1.28.0
//SOURCES lib/**.java
//CDS
//JAVA_OPTIONS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:disable -Xlog:all=warning,cds*=off:stderr

import lib.*;
import lib.schedule.*;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.Callable;

@Command(name = "install-tasks.java", mixinStandardHelpOptions = true, version = "ra-infrastructure install-tasks " + Version.NUMBER,
        description = {"Installs the schedules on the scheduler this machine has (or --platform): Windows Task Scheduler, "
                + "systemd timers, or a marked block in the user's crontab. Re-running replaces them; nothing else is touched.",
                "Tasks: health-check (every 5m from :02), backup-daily (02:00), backup-weekly (Sun 03:10), backup-hourly, -monthly, "
                + "-yearly (for the tiers in SCHEDULED_TYPES; hourly needs KEEP_HOURLY > 0), verify-startup (boot/logon +1m), "
                + "dr-drill (quarterly). Times come from SCHEDULE_* settings or --at."},
        footerHeading = "%nExamples:%n",
        footer = {"  ${sys:ra.launcher} install-tasks.java",
                "      install the schedule for this machine",
                "  ${sys:ra.launcher} install-tasks.java --list",
                "      installed tasks with their next run",
                "  ${sys:ra.launcher} install-tasks.java --at backup-daily=01:30 --at \"backup-weekly=Sat 04:00\"",
                "      other times for this install",
                "  ${sys:ra.launcher} install-tasks.java --platform windows --dry-run --out tasks-preview",
                "      write the Task Scheduler files into tasks-preview/ and print the commands, change nothing",
                "  ${sys:ra.launcher} install-tasks.java --uninstall",
                "      remove every task this project installed"})
class installtasks implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--platform", paramLabel = "NAME", description = "windows, systemd or cron (default: detected, here ${DEFAULT-VALUE}).")
    String platform = Platforms.detect();

    @Option(names = "--only", split = ",", paramLabel = "TASK", description = "Only these tasks: " + "health-check, backup-hourly, "
            + "backup-daily, backup-weekly, backup-monthly, backup-yearly, verify-startup, dr-drill. Others stay as they are.")
    List<String> only = new ArrayList<>();

    @Option(names = "--at", paramLabel = "TASK=WHEN", description = "When a task runs, e.g. backup-daily=01:30, \"backup-weekly=Sat 04:00\", "
            + "health-check=\"every 10m\" (forms: " + Trigger.FORMS + ").")
    Map<String, String> at = new LinkedHashMap<>();

    @Option(names = "--list", description = "Show this project's installed tasks and their next run.")
    boolean list;

    @Option(names = "--uninstall", description = "Remove this project's tasks (all, or those given with --only).")
    boolean uninstall;

    @Option(names = "--dry-run", description = "Print the commands and files it would write; change nothing.")
    boolean dryRun;

    @Option(names = "--out", paramLabel = "DIR", description = "With --dry-run: write the files it would install into DIR.")
    Path out;

    @Option(names = "--home", paramLabel = "DIR", description = "The project folder as the scheduler sees it (default: this project).")
    String home;

    @Option(names = "--user", description = "systemd: your own units (systemctl --user); default when not root.")
    Boolean userScope;

    @Option(names = "--system", description = "systemd: system units in /etc/systemd/system; default as root.")
    boolean systemScope;

    @Option(names = "--run-as", paramLabel = "USER", description = "systemd system units: User= (default: SUDO_USER); cron: that user's crontab (as root).")
    String runAs;

    @Option(names = "--logged-off", description = "Windows: run whether the user is logged on or not (S4U), plus a boot trigger. "
            + "Docker Desktop itself only runs while you are signed in, so the startup check then waits for the engine (--no-desktop).")
    boolean loggedOff;

    @Option(names = "--show-windows", description = "Windows: let each run open its console window instead of running hidden.")
    boolean showWindows;

    public static void main(String... args) { System.exit(Cli.execute(new installtasks(), args, ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE, ExitCode.UNAVAILABLE)); }

    @Override
    public Integer call() throws Exception {
        Config cfg = common.load(schedules());
        Log log = CommonOptions.log(cfg, "install-tasks");
        if (out != null && !dryRun) throw new OpsException(ExitCode.USAGE, "--out only goes with --dry-run", "add --dry-run");
        Path temp = java.nio.file.Files.createTempDirectory("ra-install-tasks");
        try {
            java.io.PrintStream shown = common.json ? System.err : System.out;
            Commands commands = dryRun ? SystemCommands.dryRun(log, shown) : SystemCommands.real(log);
            Platform p = Platforms.create(new Platforms.Options(platform, home != null ? home : cfg.home().toString(),
                    userScope != null ? userScope : !systemScope && Platforms.defaultUserScope(),
                    runAs != null ? runAs : System.getenv("SUDO_USER"), loggedOff, showWindows, temp), commands);
            if (list) return Installer.list(p, common.json);
            List<Task> tasks = uninstall ? List.of() : Tasks.plan(cfg, only);
            // two installers at once would each rewrite the crontab from what they read
            try (Lock lock = dryRun ? null : Lock.acquire(cfg.path("LOG_DIR"), "schedules", "install-tasks")) {
                if (uninstall) return Installer.uninstall(p, only, dryRun, log, common.json);
                // built here and now, so that no scheduled run compiles (or fails to) unattended
                Prebuild.scripts(tasks, new Launch(cfg.home().toString(), Platforms.detect().equals("windows")), dryRun, log, shown);
                return Installer.install(p, tasks, only.isEmpty(), out, dryRun, log, common.json);
            }
        } finally {
            SafeFiles.deleteTree(temp);
        }
    }

    /** --at backup-daily=01:30 → SCHEDULE_BACKUP_DAILY=01:30, so flags win over settings in the one resolver. */
    private Map<String, String> schedules() {
        Map<String, String> flags = new HashMap<>();
        at.forEach((task, when) -> flags.put(Tasks.key(Tasks.id(task)), when));
        return flags;
    }
}
