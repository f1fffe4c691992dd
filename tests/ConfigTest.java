package tests;

import lib.Config;
import lib.ExitCode;
import lib.OpsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigTest {
    @TempDir Path home;

    private Config load(Path file, Map<String, String> flags, Map<String, String> env) {
        var e = new java.util.HashMap<>(env);
        e.put("RA_INFRA_HOME", home.toString());
        return Config.load(file, flags, e);
    }

    private void write(String name, String text) throws Exception {
        Files.createDirectories(home.resolve("config"));
        Files.writeString(home.resolve("config").resolve(name), text);
    }

    @Test
    void defaultsWhenNoFilesExist() {
        Config c = load(null, Map.of(), Map.of());
        assertThat(c.get("DOCKER_CONTAINER")).isEqualTo("inventory-db");
        assertThat(c.integer("KEEP_DAILY")).isEqualTo(30);
        assertThat(c.get("VERIFY")).isEqualTo("full");
        assertThat(c.path("BACKUP_DIR")).isEqualTo(home.resolve("backups"));
        assertThat(c.source("KEEP_DAILY")).isEqualTo("default");
    }

    @Test
    void flagsBeatEnvironmentBeatFilesBeatDefaults() throws Exception {
        write("ops.env", "KEEP_DAILY=10\nKEEP_WEEKLY=11\nKEEP_MONTHLY=12\n");
        Config c = load(null, Map.of("KEEP_DAILY", "1"), Map.of("KEEP_DAILY", "2", "KEEP_WEEKLY", "3"));
        assertThat(c.get("KEEP_DAILY")).isEqualTo("1");
        assertThat(c.get("KEEP_WEEKLY")).isEqualTo("3");
        assertThat(c.get("KEEP_MONTHLY")).isEqualTo("12");
        assertThat(c.get("KEEP_YEARLY")).isEqualTo("0");
        assertThat(c.source("KEEP_WEEKLY")).isEqualTo("environment KEEP_WEEKLY");
    }

    @Test
    void monitoringEnvIsReadAfterOpsEnvAndMayHoldAlertKeys() throws Exception {
        write("ops.env", "KEEP_DAILY=10\n");
        write("monitoring.env", "KEEP_DAILY=20\nSMTP_HOST=smtp.gmail.com\n");
        assertThat(load(null, Map.of(), Map.of()).get("KEEP_DAILY")).isEqualTo("20");
    }

    @Test
    void namedFileReplacesTheDefaultFiles() throws Exception {
        write("ops.env", "KEEP_DAILY=10\n");
        Path other = home.resolve("other.env");
        Files.writeString(other, "KEEP_HOURLY=5\n");
        Config c = load(other, Map.of(), Map.of());
        assertThat(c.get("KEEP_HOURLY")).isEqualTo("5");
        assertThat(c.get("KEEP_DAILY")).isEqualTo("30");
    }

    @Test
    void fileSyntaxCommentsExportQuotesAndBom() throws Exception {
        write("ops.env", "\uFEFF# comment\n\nexport PGUSER=\"app user\"\nPGPASSWORD='s3cr#t \"x\"'\nBACKUP_DIR=D:/Backups/ra infra # trailing\n");
        Config c = load(null, Map.of(), Map.of());
        assertThat(c.get("PGUSER")).isEqualTo("app user");
        assertThat(c.get("PGPASSWORD")).isEqualTo("s3cr#t \"x\"");
        assertThat(c.get("BACKUP_DIR")).isEqualTo("D:/Backups/ra infra");
        assertThat(c.describe().get("PGPASSWORD")).isEqualTo("********");
    }

    @Test
    void aConfigFileSavedAsUtf16WithCrlfByWindowsPowerShellIsRead() throws Exception {
        Files.createDirectories(home.resolve("config"));
        String text = "# saved by Windows PowerShell 5.1: Set-Content -Encoding Unicode\r\nPGUSER=J\u00fcrgen\r\nBACKUP_DIR=D:\\Backups\r\n";
        Files.write(home.resolve("config/ops.env"), TextFilesTest.saved(text, "UTF-16LE", "FFFE"));

        Config c = load(null, Map.of(), Map.of());

        assertThat(c.get("PGUSER")).isEqualTo("J\u00fcrgen");
        assertThat(c.get("BACKUP_DIR")).isEqualTo("D:\\Backups");
        assertThat(c.source("PGUSER")).isEqualTo(home.resolve("config/ops.env").toString());
    }

    @Test
    void aConfigFileInUtf16WithoutAMarkSaysSo() throws Exception {
        Files.createDirectories(home.resolve("config"));
        Files.write(home.resolve("config/ops.env"), "PGUSER=app\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_16LE));

        assertThatThrownBy(() -> load(null, Map.of(), Map.of())).isInstanceOfSatisfying(OpsException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
            assertThat(e.getMessage()).isEqualTo("config file " + home.resolve("config/ops.env")
                    + " is not UTF-8 text: it looks like UTF-16 without a byte order mark");
        });
    }

    @Test
    void aQuotedValueFollowedByACommentLosesItsQuotes() throws Exception {
        write("ops.env", "BACKUP_DIR=\"/x/nas\"  # NAS\nPGUSER='app user' #who\nLOG_DIR=\"/x/logs\" # the \"logs\"\n");
        Config c = load(null, Map.of(), Map.of());
        assertThat(c.get("BACKUP_DIR")).isEqualTo("/x/nas");
        assertThat(c.get("PGUSER")).isEqualTo("app user");
        assertThat(c.get("LOG_DIR")).isEqualTo("/x/logs");
        write("ops.env", "PGPASSWORD=\"s3cret\" extra\n");
        assertThatThrownBy(() -> load(null, Map.of(), Map.of())).isInstanceOfSatisfying(OpsException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
            assertThat(e.getMessage()).contains("line 1").contains("PGPASSWORD").doesNotContain("s3cret");
        });
    }

    @Test
    void aMistypedSecretIsNamedButNeverShown() throws Exception {
        String token = "T0/B0/s3cretToken";
        for (String line : List.of("WEBHOOK_URL=htps://hooks.slack.com/services/" + token, "HEALTHCHECK_PING_URL=hc-ping.com/" + token,
                "WEBHOOK_URL https://hooks.slack.com/services/" + token)) {
            write("monitoring.env", line + "\n");
            assertThatThrownBy(() -> load(null, Map.of(), Map.of())).as(line).isInstanceOfSatisfying(OpsException.class, e -> {
                assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                assertThat(e.oneLine()).contains(line.substring(0, 11)).doesNotContain(token);
            });
        }
        assertThatThrownBy(() -> load(null, Map.of("WEBHOOK_URL", "hooks.slack.com/" + token), Map.of()))
                .hasMessageContaining("WEBHOOK_URL").hasMessageNotContaining(token);
    }

    @Test
    void missingNamedFileIsAUsageError() {
        assertThatThrownBy(() -> load(home.resolve("nope.env"), Map.of(), Map.of()))
                .isInstanceOf(OpsException.class).hasMessageContaining("config file not found")
                .satisfies(e -> assertThat(((OpsException) e).exitCode()).isEqualTo(ExitCode.USAGE));
    }

    @Test
    void unknownKeyNamesFileLineAndKey() throws Exception {
        write("ops.env", "KEEP_DAILY=3\nKEEP_DAILLY=4\n");
        assertThatThrownBy(() -> load(null, Map.of(), Map.of())).isInstanceOf(OpsException.class)
                .hasMessageContaining("line 2").hasMessageContaining("unknown key KEEP_DAILLY")
                .satisfies(e -> assertThat(((OpsException) e).exitCode()).isEqualTo(ExitCode.USAGE));
    }

    @Test
    void badValuesAreUsageErrorsWhereverTheyComeFrom() throws Exception {
        for (var bad : Map.of("KEEP_DAILY", "ten", "VERIFY", "always", "COMPRESSION", "lz4", "PGPORT", "99999").entrySet()) {
            assertThatThrownBy(() -> load(null, Map.of(), Map.of(bad.getKey(), bad.getValue())))
                    .as(bad.getKey()).isInstanceOf(OpsException.class).hasMessageContaining(bad.getKey())
                    .satisfies(e -> assertThat(((OpsException) e).exitCode()).isEqualTo(ExitCode.USAGE));
        }
        write("ops.env", "COMPRESSION=zstd:99\n");
        assertThatThrownBy(() -> load(null, Map.of(), Map.of())).hasMessageContaining("ops.env");
    }

    @Test
    void acceptsEveryDocumentedCompressionSetting() {
        for (String ok : new String[] {"zstd", "zstd:1", "zstd:19", "gzip", "gzip:9"}) {
            assertThat(load(null, Map.of("COMPRESSION", ok), Map.of()).get("COMPRESSION")).isEqualTo(ok);
        }
    }

    @Test
    void alertAndCheckSettingsAreValidated() throws Exception {
        Map<String, String> bad = Map.of("SMTP_SECURITY", "tls", "ALERT_EMAIL", "ops@example.com; boss",
                "WEBHOOK_URL", "hooks.slack.com/x", "ALERT_RATE_LIMIT_MINUTES", "0", "CHECK_TIMEOUT_SECONDS", "five",
                "ALERT_ON_WARNING", "yes", "SCHEDULED_TYPES", "daily,nightly", "DISK_WARN_PERCENT", "101");
        bad.forEach((key, value) -> assertThatThrownBy(() -> load(null, Map.of(key, value), Map.of()))
                .as(key).isInstanceOfSatisfying(OpsException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.getMessage()).contains(key);
                    if (!Config.SECRET_KEYS.contains(key)) assertThat(e.getMessage()).contains(value);
                }));
        assertThatThrownBy(() -> load(null, Map.of("DISK_WARN_PERCENT", "90"), Map.of()))
                .hasMessageContaining("DISK_WARN_PERCENT=90").hasMessageContaining("above DISK_CRITICAL_PERCENT=85");
        write("monitoring.env", "WEBHOOK_URL=https://hooks.slack.com/services/T0/B0/s3cret\nALERT_EMAIL=a@x.org, b@y.org\n");
        Config ok = load(null, Map.of(), Map.of());
        assertThat(ok.get("ALERT_EMAIL")).isEqualTo("a@x.org, b@y.org");
        assertThat(ok.describe().get("WEBHOOK_URL")).as("a webhook URL carries its token").isEqualTo("********");
    }

    @Test
    void exampleFilesDocumentEveryKeyWithItsDefault() throws Exception {
        Path root = Path.of(System.getenv().getOrDefault("RA_INFRA_HOME", "")).toAbsolutePath();
        String ops = Files.readString(root.resolve("config/ops.env.example"));
        String monitoring = Files.readString(root.resolve("config/monitoring.env.example"));
        Config defaults = load(null, Map.of(), Map.of());
        assertThat(defaults.describe()).hasSizeGreaterThan(40);
        for (String key : defaults.describe().keySet()) {
            String line = "(?m)^#? ?" + key + "=" + java.util.regex.Pattern.quote(defaults.get(key)) + "$";
            assertThat(ops + monitoring).as(key).containsPattern(line);
        }
        // the examples themselves must load, alone and as the pair the scripts read
        for (String text : List.of(ops, monitoring)) {
            Path copy = home.resolve("example.env");
            Files.writeString(copy, text);
            load(copy, Map.of(), Map.of());
        }
        Files.createDirectories(home.resolve("config"));
        Files.writeString(home.resolve("config/ops.env"), ops);
        Files.writeString(home.resolve("config/monitoring.env"), monitoring);
        assertThat(load(null, Map.of(), Map.of()).get("ALERT_RATE_LIMIT_MINUTES")).isEqualTo("15");
    }
}
