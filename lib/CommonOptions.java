package lib;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Options every script shares (picocli {@code @Mixin}): where the configuration comes from, where
 * PostgreSQL runs, and how to report. Flags given here win over the environment and config files;
 * {@link #load} is the only way a script obtains its {@link Config}.
 */
public class CommonOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "Read settings from FILE instead of config/ops.env + config/monitoring.env.")
    Path configFile;

    @Option(names = "--container", paramLabel = "NAME",
            description = "Docker container running PostgreSQL (DOCKER_CONTAINER, default inventory-db); '' = direct mode.")
    String container;

    @Option(names = "--backup-dir", paramLabel = "DIR", description = "Where backups live (BACKUP_DIR, default backups/).")
    String backupDir;

    @Option(names = "--json", description = "Machine-readable output on stdout.")
    public boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Show stack traces and every setting.")
    public boolean verbose;

    /** Resolves the configuration with these flags plus the script's own flag values (nulls ignored). */
    public Config load(Map<String, String> scriptFlags) {
        Map<String, String> flags = new HashMap<>();
        if (container != null) flags.put("DOCKER_CONTAINER", container);
        if (backupDir != null) flags.put("BACKUP_DIR", backupDir);
        scriptFlags.forEach((k, v) -> { if (v != null) flags.put(k, v); });
        Cli.verbose = verbose;
        Config cfg = Config.load(configFile, flags, System.getenv());
        if (verbose) cfg.describe().forEach((k, v) -> System.err.println("config " + k + "=" + v + "  (" + cfg.source(k) + ")"));
        return cfg;
    }

    /** The script's log under LOG_DIR, masking the configured secrets. */
    public static Log log(Config cfg, String name) {
        Log log = new Log(cfg.path("LOG_DIR"), name);
        Config.SECRET_KEYS.forEach(k -> log.mask(cfg.get(k)));
        log.mask(new PgTarget(cfg).password());
        Cli.log = log;
        return log;
    }
}
