///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION After a reboot: wait for Docker, start the database and pgAdmin containers, wait until healthy, run the full health check, and say so.
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
import lib.alert.Alerts;
import lib.startup.DesktopSession;
import lib.startup.Startup;
import lib.startup.StartupReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "verify-startup.java", mixinStandardHelpOptions = true, version = "ra-infrastructure verify-startup " + Version.NUMBER,
        description = {"Run at boot or logon (install-tasks.java schedules it). Waits up to DOCKER_WAIT_SECONDS for the Docker "
                + "engine, starting Docker Desktop (DOCKER_DESKTOP_EXE) when it is installed and not running and someone is "
                + "signed in to this session; starts "
                + "DOCKER_CONTAINER and PGADMIN_CONTAINER when they are stopped (AUTO_START); waits up to STARTUP_WAIT_SECONDS "
                + "for the database to be healthy; runs the full health check.",
                "Logs every step to LOG_DIR/startup.log and sends one message: \"started OK after reboot, took N s\" "
                + "(NOTIFY_ON_STARTUP_OK) or \"startup after reboot failed at <step>\" with what to do."},
        footerHeading = "%nExamples:%n",
        footer = {"  ${sys:ra.launcher} verify-startup.java",
                "      what the boot/logon task runs",
                "  ${sys:ra.launcher} verify-startup.java --dry-run",
                "      look once at each step; start nothing, wait for nothing, send nothing",
                "  ${sys:ra.launcher} verify-startup.java --no-desktop",
                "      what the boot task runs when tasks run whether you are logged on or not (install-tasks.java --logged-off)",
                "  ${sys:ra.launcher} verify-startup.java --json",
                "      the steps and the health check for machines"})
class verifystartup implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--dry-run", description = "Look at each step once: start no container or Docker Desktop, do not wait, send nothing, write no metrics.")
    boolean dryRun;

    @Option(names = "--no-desktop", description = "Never launch Docker Desktop; wait for the engine only. For a task that runs "
            + "whether the user is logged on or not: Docker Desktop cannot work without a signed-in user.")
    boolean noDesktop;

    public static void main(String... args) { System.exit(Cli.execute(new verifystartup(), args, ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE)); }

    @Override
    public Integer call() {
        Config cfg = common.load(Map.of());
        Log log = CommonOptions.log(cfg, "startup");
        log.info("verify-startup begins" + (dryRun ? " (dry run)" : ""));
        Startup.Outcome outcome = new Startup(cfg, log, common.json ? System.err : System.out, dryRun,
                DesktopSession.current(noDesktop)).run();
        String verdict = StartupReport.verdict(outcome);
        log.info(verdict);
        List<Alerts.Delivery> sent = dryRun ? List.of() : StartupReport.event(outcome, cfg.flag("NOTIFY_ON_STARTUP_OK"))
                .map(e -> Alerts.from(cfg, log).event(StartupReport.eventKey(outcome), e)).orElse(List.of());
        StartupReport.print(outcome, sent, common.json);
        return StartupReport.exitCode(outcome);
    }
}
