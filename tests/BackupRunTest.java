package tests;

import lib.*;
import lib.alert.Alerts;
import lib.alert.JobAlerts;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.HttpReceiver;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** backup.java's run loop against a real cluster: order, the aggregated exit code, skips, and which outcomes alert. */
class BackupRunTest {
    private final Path home = Fixtures.home();

    private Config cfg(HttpReceiver hook) {
        return Fixtures.config(Fixtures.trustCluster(), home, "LOCK_WAIT_SECONDS", "0", "WEBHOOK_URL", hook.url("/hook"));
    }

    private static List<BackupRun.Done<Backup.Result>> run(Config cfg, List<String> dbs, String type) {
        Log log = Fixtures.log(cfg);
        List<BackupRun.Done<Backup.Result>> heard = new ArrayList<>();
        int exit = new BackupRun(log, new JobAlerts(Alerts.from(cfg, log), log))
                .databases(new Backup(cfg, log), dbs, new Backup.Options(type, "quick", false, false), heard::add);
        int first = heard.stream().filter(d -> d.failure() != null).map(d -> d.failure().exitCode()).findFirst().orElse(ExitCode.OK);
        assertThat(exit).as("the first failure's exit code").isEqualTo(first);
        return heard;
    }

    @Test
    void aFailureDoesNotStopTheOthersGivesTheExitCodeAndAlerts() throws Exception {
        try (HttpReceiver hook = new HttpReceiver()) {
            Config cfg = cfg(hook);
            Pg pg = new Pg(new PgTarget(cfg));
            Fixtures.createDb(pg, "brun_a", 10);
            Fixtures.createDb(pg, "brun_c", 10);

            List<BackupRun.Done<Backup.Result>> heard = run(cfg, List.of("brun_a", "brun_missing", "brun_c"), "daily");

            assertThat(heard).extracting(BackupRun.Done::name).containsExactly("brun_a", "brun_missing", "brun_c");
            assertThat(heard.get(0).result().manifest().verify().status()).isEqualTo("passed");
            assertThat(heard.get(1).failure()).isNotNull();
            assertThat(heard.get(1).failure().exitCode()).isNotEqualTo(ExitCode.OK);
            assertThat(heard.get(1).skipped()).isFalse();
            assertThat(heard.get(2).result()).isNotNull();
            assertThat(hook.awaitRequests(1, Duration.ofSeconds(20))).singleElement()
                    .satisfies(r -> assertThat(r.body()).contains("brun_missing"));
        }
    }

    @Test
    void aDatabaseAnotherRunHoldsIsSkippedAndManualRunsDoNotAlert() throws Exception {
        try (HttpReceiver hook = new HttpReceiver()) {
            Config cfg = cfg(hook);
            Fixtures.createDb(new Pg(new PgTarget(cfg)), "brun_held", 10);
            List<BackupRun.Done<Backup.Result>> heard;
            try (Lock held = Lock.acquire(cfg.path("BACKUP_DIR"), "brun_held", "test")) {
                heard = run(cfg, List.of("brun_held"), "manual");
            }

            assertThat(heard).singleElement().satisfies(d -> {
                assertThat(d.skipped()).isTrue();
                assertThat(d.failure().exitCode()).isEqualTo(ExitCode.LOCKED);
            });
            Thread.sleep(500);
            assertThat(hook.requests()).as("manual runs do not alert").isEmpty();
        }
    }
}
