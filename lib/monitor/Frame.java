package lib.monitor;

import lib.BackupStore;
import lib.Config;
import lib.Disk;
import lib.Human;
import lib.Report;
import lib.drill.DrillRecord;
import lib.health.CheckResult;
import lib.health.HealthReport;
import lib.health.Status;

import java.nio.charset.Charset;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws a {@link Snapshot} as lines of at most {@code width} characters, laid out for 80 columns: plain
 * ASCII (so it survives ssh, xterm and Windows Terminal alike), ANSI colours only when the {@link Style}
 * says so. Every status is also spelled out, so nothing depends on colour.
 */
public final class Frame {
    /** Whether to colour, and whether the output can show a real dash (else "-"). */
    public record Style(boolean color, boolean unicode) {
        /** Plain text: no escape codes, ASCII only. */
        public static final Style PLAIN = new Style(false, false);

        /** Colour unless NO_COLOR is set (non-empty), per no-color.org; the dash when {@code charset} has it. */
        public static Style of(boolean terminal, Charset charset, Map<String, String> env) {
            String noColor = env.get("NO_COLOR");
            return new Style(terminal && (noColor == null || noColor.isEmpty()), charset.newEncoder().canEncode(DASH));
        }

        /** For stdout (--once): colour only on a terminal; the charset the JVM prints with (a console's code page on Windows). */
        public static Style stdout(Map<String, String> env) {
            String name = System.getProperty("sun.stdout.encoding");
            Charset cs = name != null && Charset.isSupported(name) ? Charset.forName(name) : Charset.defaultCharset();
            return of(System.console() != null, cs, env);
        }

        String none() { return unicode ? String.valueOf(DASH) : "-"; }
    }

    /** The width the layout is made for, and that of --once. */
    public static final int COLUMNS = 80;
    static final char DASH = '\u2014';
    static final int LABEL = 13;
    static final int BAR = 30;
    private static final String GREEN = "32";
    private static final String YELLOW = "33";
    private static final String RED = "31";
    private static final String DIM = "2";
    private static final String BOLD = "1";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private final Config cfg;
    private final int width;
    private final Style style;

    public Frame(Config cfg, int width, Style style) {
        this.cfg = cfg;
        this.width = Math.max(20, width);
        this.style = style;
    }

    /** The data part of the screen: title, verdict, checks, resources, latency, backups, last drill. */
    public List<String> body(Snapshot s) {
        List<String> out = new ArrayList<>();
        out.add(row().add("ra-infrastructure monitor", BOLD).add("  " + s.host() + "  " + CLOCK.format(s.at())).fit());
        out.add(row().add(HealthReport.verdict(s.health()), colour(s.health().status()))
                .add(" (" + s.health().results().size() + " checks in " + s.health().millis() + " ms)").fit());
        for (CheckResult r : s.health().results()) {
            out.add(row().label(r.check()).add(pad(r.status().label().toUpperCase(Locale.ROOT), 9), colour(r.status())).add(r.summary()).fit());
        }
        disk(s, out, "backups");
        disk(s, out, "volume");
        connections(s, out);
        restarts(s, out);
        out.add(row().label("SELECT 1").add(latency(s.latency())).fit());
        backups(s, out);
        out.add(drill(s));
        return out;
    }

    /** Shown before the first checks have finished. */
    public List<String> waiting() {
        return List.of(row().add("ra-infrastructure monitor", BOLD).fit(),
                row().add("running the health checks (up to CHECK_TIMEOUT_SECONDS=" + cfg.get("CHECK_TIMEOUT_SECONDS") + " s)...").fit());
    }

    /** The key line; [R] only when there is a container to restart. */
    public String keys() {
        Row r = row();
        for (String k : cfg.dockerMode() ? List.of("[B]ackup now", "[V]erify latest", "[L]ogs", "[R]estart container", "[Q]uit")
                : List.of("[B]ackup now", "[V]erify latest", "[L]ogs", "[Q]uit")) {
            r.add(k.substring(0, 3), BOLD).add(k.substring(3) + "  ");
        }
        return r.fit();
    }

    /** A line of text, cut to the width. */
    public String text(String line) { return row().add(line).fit(); }

    /** A line of text in the colour of {@code status}, cut to the width. */
    public String text(String line, Status status) { return row().add(line, colour(status)).fit(); }

    private void disk(Snapshot s, List<String> out, String what) {
        Map<String, Object> v = s.result("disk").map(CheckResult::values).orElse(Map.of());
        if (!(v.get(what + "UsedPercent") instanceof Number pct)) {
            if (what.equals("backups")) out.add(row().label("disk " + what).add(style.none() + " (not measured)").fit());
            return;
        }
        Object free = v.get(what + "FreeBytes");
        String tail = free instanceof Number n ? Disk.human(n.longValue()) + " free" : "";
        out.add(bar("disk " + what, pct.doubleValue(), cfg.integer("DISK_WARN_PERCENT"), cfg.integer("DISK_CRITICAL_PERCENT"), tail));
    }

    private void connections(Snapshot s, List<String> out) {
        Map<String, Object> v = s.result("connections").map(CheckResult::values).orElse(Map.of());
        if (!(v.get("percent") instanceof Number pct)) {
            out.add(row().label("connections").add(style.none() + " (not measured)").fit());
            return;
        }
        out.add(bar("connections", pct.doubleValue(), cfg.integer("CONNECTIONS_WARN_PERCENT"), cfg.integer("CONNECTIONS_CRITICAL_PERCENT"),
                v.get("used") + " of " + v.get("max")));
    }

    /** {@code [#######-----|---|--]  41% OK  75.4 GB free}: the marks are the warning and critical thresholds. */
    private String bar(String label, double pct, int warn, int crit, String tail) {
        Status status = pct >= crit ? Status.CRITICAL : pct >= warn ? Status.WARNING : Status.OK;
        int filled = (int) Math.round(Math.min(100, Math.max(0, pct)) * BAR / 100.0);
        int warnAt = Math.min(BAR - 1, warn * BAR / 100);
        int critAt = Math.min(BAR - 1, crit * BAR / 100);
        StringBuilder empty = new StringBuilder();
        for (int i = filled; i < BAR; i++) empty.append(i == warnAt || i == critAt ? '|' : '-');
        return row().label(label).add("[").add("#".repeat(filled), colour(status)).add(empty + "]")
                .add(String.format(Locale.ROOT, " %3.0f%% ", pct)).add(pad(status.label().toUpperCase(Locale.ROOT), 9), colour(status))
                .add(tail).fit();
    }

    /** Only where there is a container check; its count is Docker's (restarts by the restart policy). */
    private void restarts(Snapshot s, List<String> out) {
        s.result("container").ifPresent(r -> {
            Object count = r.values().get("restartCount");
            out.add(row().label("restarts").add(cfg.get("DOCKER_CONTAINER") + ": " + (count == null ? style.none() : count) + " in total, "
                    + (s.restartsLastHour() == null ? style.none() : s.restartsLastHour()) + " in the last hour").fit());
        });
    }

    private String latency(Latency l) {
        return "P50 " + ms(l.p50()) + "  P95 " + ms(l.p95()) + "  P99 " + ms(l.p99()) + "  (last hour, "
                + l.samples() + (l.samples() == 1 ? " sample)" : " samples)");
    }

    /** Tenths below 100 ms, whole milliseconds above, so the line keeps within 80 columns. */
    private String ms(Double v) {
        if (v == null) return style.none();
        return String.format(Locale.ROOT, v < 100 ? "%.1f ms" : "%.0f ms", v);
    }

    private void backups(Snapshot s, List<String> out) {
        if (s.backups().isEmpty()) {
            out.add(row().label("backups").add("none of " + cfg.get("PGDATABASE") + " in " + cfg.path("BACKUP_DIR")).fit());
            return;
        }
        boolean first = true;
        for (BackupStore.Entry e : s.backups()) {
            Status st = e.manifest() == null ? Status.WARNING : e.verified() ? Status.OK
                    : e.manifest().verify() != null && "failed".equals(e.manifest().verify().status()) ? Status.CRITICAL : Status.WARNING;
            out.add(row().label(first ? "backups" : "").add(pad(e.type(), 8))
                    .add(String.format(Locale.ROOT, "%7s %9s  ", Human.age(Duration.between(e.at(), s.at())), Disk.human(e.size())))
                    .add(e.state(), colour(st)).fit());
            first = false;
        }
    }

    private String drill(Snapshot s) {
        DrillRecord d = s.drill();
        Row r = row().label("drill");
        if (d == null) return r.add("none recorded yet (" + lib.Launcher.command("dr-drill.java") + ")").fit();
        r.add(d.result(), colour(d.pass() ? Status.OK : Status.CRITICAL)).add(" " + Human.age(Duration.between(d.startedAt(), s.at())) + " ago");
        if (!d.pass() && d.problems() != null && !d.problems().isEmpty()) return r.add(": " + d.problems().get(0)).fit();
        r.add(", RTO ").add(seconds(d.rtoSeconds()) + " (target " + d.rtoTargetMinutes() + "m)", d.rtoMet() ? null : YELLOW);
        r.add(", RPO ").add((d.rpoSeconds() < 0 ? style.none() : seconds(d.rpoSeconds())) + " (target " + d.rpoTargetHours() + "h)",
                d.rpoMet() ? null : YELLOW);
        return r.fit();
    }

    private static String seconds(double s) {
        return s < 120 ? String.format(Locale.ROOT, "%.0f s", s) : Human.age(Duration.ofSeconds((long) s));
    }

    private static String colour(Status s) {
        return switch (s) {
            case OK -> GREEN;
            case WARNING -> YELLOW;
            case CRITICAL -> RED;
            case SKIPPED -> DIM;
        };
    }

    private static String pad(String s, int n) { return String.format("%-" + n + "s", s); }

    private Row row() { return new Row(); }

    /** One line built from pieces, each with an optional SGR colour; cut to the width by visible characters. */
    private final class Row {
        private final List<String[]> parts = new ArrayList<>();

        Row add(String text) { return add(text, null); }

        Row add(String text, String sgr) {
            parts.add(new String[] {text.replaceAll("\\p{Cntrl}", " "), sgr});
            return this;
        }

        Row label(String text) { return add(pad(text, LABEL)); }

        String fit() {
            int length = parts.stream().mapToInt(p -> p[0].length()).sum();
            int room = length > width ? width - 3 : width;
            StringBuilder sb = new StringBuilder();
            for (String[] p : parts) {
                if (room <= 0) break;
                String t = p[0].length() > room ? p[0].substring(0, room) : p[0];
                room -= t.length();
                sb.append(style.color() && p[1] != null && !t.isEmpty() ? "\033[" + p[1] + "m" + t + "\033[0m" : t);
            }
            if (length > width) sb.append("...");
            return length > width ? sb.toString() : sb.toString().stripTrailing();
        }
    }
}
