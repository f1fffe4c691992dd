///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Disaster-recovery drill: back up, break, restore and compare, with measured RTO and RPO.
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
//SOURCES lib/**.java
//CDS
//JAVA_OPTIONS -Xlog:disable -Xlog:all=warning,cds*=off:stderr

import lib.*;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "dr-drill.java", mixinStandardHelpOptions = true, version = "ra-infrastructure dr-drill " + Version.NUMBER,
        description = "Disaster-recovery drill. --sandbox starts a throwaway PostgreSQL (local binaries or Docker), "
                + "creates a realistic inventory database, backs it up and verifies it, drops it, restores it and "
                + "compares every table with the state before. Nothing touches a real server.",
        footerHeading = "%nExamples:%n",
        footer = {"  ./jbang dr-drill.java --sandbox",
                "  ./jbang dr-drill.java --sandbox --engine docker --image postgres:15",
                "  ./jbang dr-drill.java --sandbox --json"})
class drdrill implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--sandbox", description = "Run the self-contained drill on a throwaway server.")
    boolean sandbox;

    @Option(names = "--engine", defaultValue = "auto", paramLabel = "ENGINE",
            description = "auto (local binaries if found, else Docker), local or docker (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--image", paramLabel = "IMAGE", description = "Image for --engine docker (SANDBOX_IMAGE, default postgres:15).")
    String image;

    public static void main(String... args) { System.exit(Cli.execute(new drdrill(), args)); }

    @Override
    public Integer call() {
        if (!sandbox) {
            throw new OpsException(ExitCode.USAGE, "this version runs drills in the sandbox only", "add --sandbox");
        }
        if (!engine.matches("auto|local|docker")) {
            throw new OpsException(ExitCode.USAGE, "unknown --engine " + engine, "use auto, local or docker");
        }
        Config cfg = common.load(java.util.Collections.singletonMap("SANDBOX_IMAGE", image));
        Log log = CommonOptions.log(cfg, "drill");
        Sandbox.Result r = Sandbox.run(cfg, log, engine, common.json ? System.err : System.out);
        log.info("sandbox drill " + (r.pass() ? "PASS" : "FAIL") + ": RTO " + r.rtoSeconds() + " s, " + r.problems());
        if (common.json) {
            Cli.printJson(r);
        } else {
            System.out.printf(Locale.ROOT, "%nSandbox drill (%s): %s%n  data: %d rows in 3 tables%n  backup: %s in %.1f s (verified by test restore)%n"
                            + "  RTO: %.1f s (restore + validation)%n  RPO: %d s (age of the backup used)%n",
                    r.engine(), r.pass() ? "PASS" : "FAIL", r.rows(), Disk.human(r.backupBytes()), r.backupSeconds(),
                    r.rtoSeconds(), r.rpoSeconds());
            r.problems().forEach(p -> System.out.println("  MISMATCH " + p));
        }
        return r.pass() ? ExitCode.OK : ExitCode.FAILED;
    }
}
