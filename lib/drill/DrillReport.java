package lib.drill;

import lib.Disk;
import lib.SafeFiles;
import lib.Version;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * The HTML report of one drill ({@code dr-drill.java --report FILE}): the verdict, the backup used, RTO and
 * RPO against their targets, validation and problems, the step timings, and a chart of the last drills. One
 * self-contained file (inline CSS and SVG, no script, nothing fetched) so it opens offline and can be
 * attached to an audit as it is. It is also well-formed XML. Every value that comes from the user or the
 * system (names, problems) is escaped.
 */
public final class DrillReport {
    /** Drills shown in the history chart. */
    static final int HISTORY = 20;
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("MM-dd", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final String PASS_COLOUR = "#2e7d32";
    private static final String FAIL_COLOUR = "#c62828";
    private static final String CSS = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;max-width:54rem;margin:2rem auto;padding:0 1rem;line-height:1.4}
            h1{font-size:1.5rem;margin:.6rem 0 .2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
            .result{display:inline-block;font-size:3.2rem;font-weight:800;letter-spacing:.1rem;color:#fff;padding:.1rem 1.4rem;border-radius:.4rem}
            .pass{background:#2e7d32}.fail{background:#c62828}
            .met{color:#2e7d32;font-weight:700}.missed{color:#c62828;font-weight:700}
            table{border-collapse:collapse}th{text-align:left;vertical-align:top;color:#555;font-weight:600;padding:.2rem 1.2rem .2rem 0}td{padding:.2rem 0}
            code{background:#f3f3f3;padding:0 .25rem;border-radius:.2rem}
            svg{max-width:100%;height:auto}svg text{font-family:inherit;font-size:11px;fill:#333}
            footer{margin-top:2.5rem;color:#777;font-size:.85rem}
            """;

    private DrillReport() {}

    /**
     * The report as one HTML document.
     * @param history drills to chart, oldest first (the last {@value #HISTORY} are shown), normally
     *                {@link DrillHistory#all()} after this drill was appended; this drill's bar is marked
     */
    public static String html(DrillRecord d, List<DrillRecord> history) {
        String result = d.pass() ? "PASS" : "FAIL";
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
                .append("<title>").append(esc("Restore drill " + result + ": " + orDash(d.db()) + ", " + time(d.startedAt()))).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<header>\n<div class=\"result ").append(d.pass() ? "pass" : "fail").append("\">").append(result).append("</div>\n")
                .append("<h1>Restore drill of <code>").append(esc(orDash(d.db()))).append("</code></h1>\n")
                .append("<p>").append(esc(time(d.startedAt()))).append(", ").append(esc(orDash(d.mode())))
                .append(" drill by ").append(esc(orDash(d.operator()))).append(" on ").append(esc(orDash(d.host()))).append("</p>\n</header>\n");
        facts(h, d);
        h.append("<h2>Problems</h2>\n");
        if (d.problems() == null || d.problems().isEmpty()) {
            h.append("<p>None.</p>\n");
        } else {
            h.append("<ul class=\"problems\">\n");
            d.problems().forEach(p -> h.append("<li>").append(esc(p)).append("</li>\n"));
            h.append("</ul>\n");
        }
        h.append("<h2>Steps</h2>\n").append(steps(d.steps()));
        List<DrillRecord> shown = history.subList(Math.max(0, history.size() - HISTORY), history.size());
        h.append("<h2>History</h2>\n").append(history(shown, d));
        h.append("<footer>ra-infrastructure ").append(esc(Version.NUMBER)).append(", report written ")
                .append(time(Instant.now())).append("</footer>\n</body>\n</html>\n");
        return h.toString();
    }

    /** Writes the report durably (temp name, fsync, rename), creating the folder if needed. */
    public static void write(Path file, DrillRecord drill, List<DrillRecord> history) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw Disk.explain(e, file);
        }
        SafeFiles.write(file, html(drill, history).getBytes(StandardCharsets.UTF_8));
    }

    private static void facts(StringBuilder h, DrillRecord d) {
        h.append("<h2>Summary</h2>\n<table class=\"facts\">\n");
        row(h, "Database", esc(orDash(d.db())));
        row(h, "Drill", esc(orDash(d.mode()) + ("restore".equals(d.scenario()) || d.scenario() == null ? "" : ": " + d.scenario())));
        row(h, "Backup used", d.backup() == null ? "none usable" : "<code>" + esc(d.backup()) + "</code> (" + esc(orDash(d.backupType()))
                + "), taken " + esc(time(d.backupAt())) + ", " + esc(Disk.human(d.backupBytes())));
        row(h, "Source", esc(orDash(d.source())));
        row(h, "Restored into", esc(orDash(d.into())));
        row(h, "RTO", esc(EvidenceLog.minutes(d.rtoSeconds())) + " against a target of " + d.rtoTargetMinutes() + " min: " + verdict(d.rtoMet()));
        row(h, "RPO", (d.rpoSeconds() < 0 ? "no usable backup" : esc(EvidenceLog.hours(d.rpoSeconds())) + " (age of the backup)")
                + " against a target of " + d.rpoTargetHours() + " h: " + verdict(d.rpoMet()));
        row(h, "Validation", d.validated() ? "<span class=\"met\">passed</span>: row counts, foreign keys and validation queries held"
                : "<span class=\"missed\">failed</span>");
        row(h, "Operator", esc(orDash(d.operator())));
        row(h, "Host", esc(orDash(d.host())));
        row(h, "Started", esc(time(d.startedAt())));
        h.append("</table>\n");
    }

    private static void row(StringBuilder h, String name, String html) {
        h.append("<tr><th>").append(name).append("</th><td>").append(html).append("</td></tr>\n");
    }

    private static String verdict(boolean met) {
        return met ? "<span class=\"met\">met</span>" : "<span class=\"missed\">missed</span>";
    }

    /** Horizontal bars, one per step, scaled to the longest. */
    private static String steps(List<DrillRecord.Step> steps) {
        if (steps == null || steps.isEmpty()) return "<p>No step timings recorded.</p>\n";
        int labelW = 130, barW = 380, rowH = 22, width = labelW + barW + 90;
        double max = steps.stream().mapToDouble(DrillRecord.Step::seconds).max().orElse(0);
        StringBuilder s = svgOpen(width, steps.size() * rowH + 6, "Step timings");
        for (int i = 0; i < steps.size(); i++) {
            DrillRecord.Step st = steps.get(i);
            double w = max <= 0 ? 0 : barW * Math.max(0, st.seconds()) / max;
            int y = 3 + i * rowH;
            s.append(fmt("<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", labelW - 8, y + 15, esc(orDash(st.name()))));
            s.append(fmt("<rect class=\"step-bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#5c7cba\"><title>%s</title></rect>\n",
                    labelW, y + 3, Math.max(w, 1), rowH - 6, esc(orDash(st.name()) + ": " + EvidenceLog.minutes(st.seconds()))));
            s.append(fmt("<text x=\"%.1f\" y=\"%d\">%s</text>\n", labelW + Math.max(w, 1) + 6, y + 15, esc(EvidenceLog.minutes(st.seconds()))));
        }
        return s.append("</svg>\n").toString();
    }

    /**
     * Two panels over the same drills: RTO bars coloured by result with each drill's target as a dashed
     * line, and RPO as dots joined by a line, again with the target. A drill without a usable backup has
     * no RPO: it is marked with a cross on the axis.
     */
    private static String history(List<DrillRecord> drills, DrillRecord current) {
        if (drills.isEmpty()) return "<p>No earlier drills recorded (LOG_DIR/drills.jsonl).</p>\n";
        int left = 56, plotW = 560, top = 24, panelH = 120, gap = 46, width = left + plotW + 16;
        int rpoTop = top + panelH + gap;
        int n = drills.size();
        double slot = (double) plotW / n;
        double rtoMax = 1.1 * Math.max(1, drills.stream().mapToDouble(r -> Math.max(r.rtoSeconds(), r.rtoTargetMinutes() * 60.0)).max().orElse(1));
        double rpoMax = 1.1 * Math.max(1, drills.stream().mapToDouble(r -> Math.max(r.rpoSeconds(), r.rpoTargetHours() * 3600.0)).max().orElse(1));
        StringBuilder s = svgOpen(width, rpoTop + panelH + 34, "Drill history: RTO and RPO of the last " + n + " drills");
        axis(s, "RTO", left, top, plotW, panelH, rtoMax, EvidenceLog::minutes);
        axis(s, "RPO", left, rpoTop, plotW, panelH, rpoMax, EvidenceLog::hours);
        StringBuilder rtoTarget = new StringBuilder();
        StringBuilder rpoTarget = new StringBuilder();
        StringBuilder rpoLine = new StringBuilder();
        StringBuilder dots = new StringBuilder();
        int labelEvery = (int) Math.ceil(n / 10.0);
        for (int i = 0; i < n; i++) {
            DrillRecord r = drills.get(i);
            double x0 = left + i * slot;
            double cx = x0 + slot / 2;
            double bw = Math.min(28, Math.max(2, slot * 0.6));
            double bh = panelH * Math.max(0, r.rtoSeconds()) / rtoMax;
            boolean isCurrent = r.startedAt() != null && r.startedAt().equals(current.startedAt());
            String tip = time(r.startedAt()) + ": " + r.result() + ", RTO " + EvidenceLog.minutes(r.rtoSeconds()) + " (target " + r.rtoTargetMinutes()
                    + " min), RPO " + EvidenceLog.hours(r.rpoSeconds()) + " (target " + r.rpoTargetHours() + " h)";
            s.append(fmt("<rect class=\"rto-bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>\n",
                    cx - bw / 2, top + panelH - bh, bw, Math.max(bh, 0.5), r.pass() ? PASS_COLOUR : FAIL_COLOUR, esc(tip)));
            if (isCurrent) {
                s.append(fmt("<path class=\"current\" d=\"M%.1f,%.1f l-5,-7 h10 z\" fill=\"#000\"><title>this drill</title></path>\n",
                        cx, top + panelH - bh - 3));
            }
            rtoTarget.append(fmt("%.1f,%.1f %.1f,%.1f ", x0, y(top, panelH, r.rtoTargetMinutes() * 60.0, rtoMax),
                    x0 + slot, y(top, panelH, r.rtoTargetMinutes() * 60.0, rtoMax)));
            rpoTarget.append(fmt("%.1f,%.1f %.1f,%.1f ", x0, y(rpoTop, panelH, r.rpoTargetHours() * 3600.0, rpoMax),
                    x0 + slot, y(rpoTop, panelH, r.rpoTargetHours() * 3600.0, rpoMax)));
            if (r.rpoSeconds() < 0) {
                double by = rpoTop + panelH;
                dots.append(fmt("<path class=\"rpo-none\" d=\"M%.1f,%.1f l8,8 m-8,0 l8,-8\" stroke=\"%s\" stroke-width=\"2\"><title>%s</title></path>\n",
                        cx - 4, by - 4, FAIL_COLOUR, esc(tip)));
            } else {
                double py = y(rpoTop, panelH, r.rpoSeconds(), rpoMax);
                rpoLine.append(fmt("%.1f,%.1f ", cx, py));
                dots.append(fmt("<circle class=\"rpo-dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%s</title></circle>\n",
                        cx, py, r.rpoMet() ? PASS_COLOUR : FAIL_COLOUR, esc(tip)));
            }
            if ((n - 1 - i) % labelEvery == 0) {
                s.append(fmt("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", cx, rpoTop + panelH + 16,
                        esc(r.startedAt() == null ? "-" : DAY.format(r.startedAt()))));
            }
        }
        s.append(fmt("<polyline class=\"rto-target\" points=\"%s\" fill=\"none\" stroke=\"#555\" stroke-dasharray=\"5,3\"/>\n", rtoTarget.toString().strip()));
        s.append(fmt("<polyline class=\"rpo-target\" points=\"%s\" fill=\"none\" stroke=\"#555\" stroke-dasharray=\"5,3\"/>\n", rpoTarget.toString().strip()));
        if (!rpoLine.isEmpty()) {
            s.append(fmt("<polyline class=\"rpo-line\" points=\"%s\" fill=\"none\" stroke=\"#5c7cba\" stroke-width=\"1.5\"/>\n", rpoLine.toString().strip()));
        }
        s.append(dots);
        s.append(fmt("<text x=\"%d\" y=\"%d\">bars: RTO per drill (green PASS, red FAIL); dashed: target; triangle: this drill</text>\n", left, top - 8));
        s.append(fmt("<text x=\"%d\" y=\"%d\">dots: RPO (age of the backup used); dashed: target; cross: no usable backup</text>\n", left, rpoTop - 8));
        return s.append("</svg>\n").toString();
    }

    /** A panel's frame with its scale: 0, half and the top, in the units the evidence log uses. */
    private static void axis(StringBuilder s, String name, int left, int top, int w, int h, double max, DoubleFunction<String> unit) {
        s.append(fmt("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n", left, top, w, h));
        for (double f : new double[] {0, 0.5, 1}) {
            double yy = top + h - h * f;
            s.append(fmt("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e2e2e2\"/>\n", left, yy, left + w, yy));
            s.append(fmt("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", left - 4, yy + 4, esc(unit.apply(max * f))));
        }
        s.append(fmt("<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-weight=\"bold\">%s</text>\n", left - 4, top - 8, name));
    }

    private static double y(int top, int h, double value, double max) { return top + h - h * value / max; }

    private static StringBuilder svgOpen(int width, int height, String label) {
        return new StringBuilder(fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n",
                width, height, width, height, esc(label)));
    }

    private static String time(Instant at) { return at == null ? "-" : UTC.format(at); }

    private static String orDash(String s) { return s == null || s.isEmpty() ? "-" : s; }

    private static String fmt(String format, Object... args) { return String.format(Locale.ROOT, format, args); }

    /**
     * Text and attribute values for HTML and XML alike; none of the project's libraries has an HTML escaper.
     * Control characters other than tab and line breaks are not allowed in XML and are dropped.
     */
    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> {
                    if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') sb.append(c);
                }
            }
        }
        return sb.toString();
    }
}
