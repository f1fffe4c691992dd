package tests;

import lib.Backup;
import lib.Config;
import lib.ExitCode;
import lib.Log;
import lib.OpsException;
import lib.alert.Alerts;
import lib.alert.JobAlerts;
import lib.alert.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tests.support.Fixtures;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JobAlertsTest {
    private static final Instant T0 = Instant.parse("2025-03-01T02:00:00Z");
    private static final OpsException DUMP_FAILED =
            new OpsException(ExitCode.BACKUP_FAILED, "pg_dump exited 1: connection refused", "start the server");

    @TempDir Path home;
    private final AlertsTest.SimClock clock = new AlertsTest.SimClock(T0);
    private final AlertsTest.Recorder email = new AlertsTest.Recorder("email");

    @Test
    void aFailedBackupAlertsWithTheCauseAndTheFix() {
        jobs(log()).backup("inventory", DUMP_FAILED, false);

        assertThat(email.messages).singleElement().satisfies(m -> {
            assertThat(m.subject()).isEqualTo("[ALERT] ra-infrastructure - backup of inventory failed");
            assertThat(m.body()).contains("backup:inventory (critical)", "pg_dump exited 1: connection refused",
                    "start the server", "docs/alerts.md#backups");
        });
    }

    @Test
    void aBackupThatFailedVerificationSaysSo() {
        jobs(log()).backup("inventory", new OpsException(ExitCode.VERIFY_FAILED, "row count of items differs", "see the log"), false);

        assertThat(email.subjects()).containsExactly("[ALERT] ra-infrastructure - backup of inventory failed verification");
    }

    @Test
    void anUnverifiedBackupIsAWarning() {
        jobs(log()).backup("inventory", null, true);

        assertThat(email.messages).singleElement().satisfies(m -> {
            assertThat(m.severity()).isEqualTo("warning");
            assertThat(m.subject()).isEqualTo("[WARNING] ra-infrastructure - backup of inventory taken without verification");
            assertThat(m.body()).contains("VERIFY=full");
        });
    }

    @Test
    void theNextGoodBackupSendsOneRecovery() {
        JobAlerts jobs = jobs(log());
        jobs.backup("inventory", DUMP_FAILED, false);
        clock.set(T0.plus(Duration.ofHours(1)));
        jobs.backup("inventory", null, false);
        clock.set(T0.plus(Duration.ofHours(2)));
        jobs.backup("inventory", null, false);

        assertThat(email.subjects()).containsExactly("[ALERT] ra-infrastructure - backup of inventory failed",
                "[RECOVERED] ra-infrastructure - backup of inventory failed (down 1h 0m)");
    }

    @Test
    void aGoodBackupOfAnotherDatabaseRecoversNothing() {
        JobAlerts jobs = jobs(log());
        jobs.backup("inventory", DUMP_FAILED, false);
        clock.set(T0.plus(Duration.ofMinutes(5)));
        jobs.backup("sales", null, false);

        assertThat(email.events()).containsExactly("alert");
    }

    @Test
    void aFailedRestoreAlertsAndTheNextGoodOneRecovers() {
        JobAlerts jobs = jobs(log());
        OpsException failure = new OpsException(ExitCode.RESTORE_FAILED, "pg_restore exited 1", "see the log");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jobs.restoring("inventory_copy", () -> { throw failure; }))
                .as("the failure is passed on").isSameAs(failure);
        clock.set(T0.plus(Duration.ofMinutes(30)));
        assertThat(jobs.restoring("inventory_copy", () -> "restored")).isEqualTo("restored");
        clock.set(T0.plus(Duration.ofMinutes(40)));
        jobs.restore("inventory_copy", null);

        assertThat(email.subjects()).containsExactly("[ALERT] ra-infrastructure - restore into inventory_copy failed",
                "[RECOVERED] ra-infrastructure - restore into inventory_copy failed (down 30m)");
        assertThat(email.messages.get(0).body()).contains("restore:inventory_copy", "pg_restore exited 1", "docs/alerts.md#restore");
    }

    @Test
    void secretsInTheFailureAreMaskedInTheMessage() {
        OpsException leaky = new OpsException(ExitCode.BACKUP_FAILED, "password s3cret rejected for postgres",
                "PGPASSWORD=s3cret is wrong");

        jobs(log().mask("s3cret")).backup("inventory", leaky, false);

        Message m = email.messages.get(0);
        assertThat(m.text()).doesNotContain("s3cret").contains("password ******** rejected", "PGPASSWORD=******** is wrong");
    }

    @Test
    void aFailureWithoutAHintHasNoActionLine() {
        jobs(log()).backup("inventory", new OpsException(ExitCode.BACKUP_FAILED, "pg_dump was killed", null), false);

        assertThat(email.messages.get(0).body()).contains("pg_dump was killed").doesNotContain("null");
    }

    @Test
    void theSubjectTellsAWrongPasswordFromAMissingDatabase() {
        Config server = Fixtures.config(Fixtures.passwordCluster(), home);
        JobAlerts jobs = jobs(log());

        jobs.backup("inventory", backupFails(server.with(Map.of("PGPASSWORD", "not the password")), "inventory"), false);
        jobs.backup("nope", backupFails(server, "nope"), false);

        assertThat(email.subjects()).containsExactly("[ALERT] ra-infrastructure - backup of inventory failed: wrong password",
                "[ALERT] ra-infrastructure - backup of nope failed: database does not exist");
        assertThat(email.messages.get(0).body()).contains("check PGPASSWORD").doesNotContain(Fixtures.HOSTILE_PASSWORD);
    }

    private OpsException backupFails(Config cfg, String db) {
        try {
            new Backup(cfg, log()).run(db, new Backup.Options("daily", "none", false, false));
        } catch (OpsException e) {
            return e;
        }
        throw new AssertionError("the backup of " + db + " did not fail");
    }

    private JobAlerts jobs(Log log) {
        Config cfg = Config.load(null, Map.of("LOG_DIR", home.resolve("logs").toString()), Map.of("RA_INFRA_HOME", home.toString()));
        return new JobAlerts(new Alerts(cfg, log, clock, List.of(email)), log);
    }

    private Log log() { return new Log(home.resolve("logs"), "backup"); }
}
