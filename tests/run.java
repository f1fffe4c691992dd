///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Runs every test in tests/ against real PostgreSQL clusters, a real container and real tools.
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
//DEPS org.junit.platform:junit-platform-console-standalone:1.14.4
//DEPS org.assertj:assertj-core:3.27.7
//DEPS com.github.davidmoten:subethasmtp:7.2.2
//DEPS org.gaul:s3proxy:4.1.0
//DEPS jakarta.servlet:jakarta.servlet-api:6.0.0
//DEPS com.fasterxml.jackson.core:jackson-annotations:2.23
//SOURCES ../lib/**.java
//SOURCES *Test.java
//SOURCES support/*.java

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

import java.io.PrintWriter;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

/** Test harness: prints each result, failures in full, then "N passed, N failed, N skipped"; exit 1 on any failure. */
class run {
    public static void main(String... args) {
        var builder = LauncherDiscoveryRequestBuilder.request();
        if (args.length == 0) builder.selectors(selectPackage("tests"));
        for (String a : args) builder.selectors(selectClass("tests." + a));
        var summary = new SummaryGeneratingListener();
        try {
            LauncherFactory.create().execute(builder.build(), summary, new Progress());
        } finally {
            tests.support.Fixtures.closeAll();
        }
        var s = summary.getSummary();
        s.printFailuresTo(new PrintWriter(System.out), 25);
        long skipped = s.getTestsSkippedCount() + s.getTestsAbortedCount();
        long failed = s.getTotalFailureCount();
        System.out.printf("%d passed, %d failed, %d skipped%n", s.getTestsSucceededCount(), failed, skipped);
        System.exit(failed == 0 && s.getTestsFoundCount() > 0 ? 0 : 1);
    }

    /** One line per test, with the reason for every skip. */
    static final class Progress implements TestExecutionListener {
        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult r) {
            if (!id.isTest()) {
                if (r.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    System.out.println("  " + r.getStatus() + " " + id.getDisplayName() + ": " + r.getThrowable().map(Throwable::getMessage).orElse(""));
                }
                return;
            }
            String reason = r.getStatus() == TestExecutionResult.Status.SUCCESSFUL ? ""
                    : " (" + r.getThrowable().map(t -> String.valueOf(t.getMessage()).lines().findFirst().orElse("")).orElse("") + ")";
            System.out.println("  " + (r.getStatus() == TestExecutionResult.Status.SUCCESSFUL ? "ok     " : r.getStatus() == TestExecutionResult.Status.ABORTED ? "SKIPPED" : "FAILED ")
                    + " " + id.getLegacyReportingName() + " " + owner(id) + reason);
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            System.out.println("  SKIPPED " + id.getDisplayName() + " (" + reason + ")");
        }

        private static String owner(TestIdentifier id) {
            return id.getParentId().map(p -> p.replaceAll(".*class:tests\\.([^\\]]+)].*", "[$1]")).orElse("");
        }
    }
}
