package tests;

import lib.Disk;
import lib.SafeFiles;
import lib.Version;
import lib.drill.DrillRecord;
import lib.drill.DrillReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class DrillReportTest {
    private static final Instant START = Instant.parse("2026-11-20T02:00:00Z");
    private static final List<DrillRecord.Step> STEPS = List.of(new DrillRecord.Step("choose", 0.4), new DrillRecord.Step("check", 3.2),
            new DrillRecord.Step("restore", 61.5), new DrillRecord.Step("validate", 4.9));

    @TempDir Path dir;

    private static DrillRecord drill(Instant at, boolean pass, double rto, double rpo, String db, String operator, List<String> problems) {
        return new DrillRecord(at, "configured", "restore", db, db + "_20261120T000000Z_daily.dump.zst", "daily",
                at.minus(Duration.ofHours(2)), 48_500_000, "local", "database " + db + "_drill", rto, rpo, 60, 24, pass,
                pass ? "PASS" : "FAIL", problems, STEPS, operator, "db-host-1");
    }

    private static DrillRecord pass(Instant at) { return drill(at, true, 70, 7200, "inventory", "alice", List.of()); }

    private static List<DrillRecord> history(int n) {
        List<DrillRecord> out = new ArrayList<>();
        for (int i = n; i >= 1; i--) {
            Instant at = START.minus(Duration.ofDays(7L * i));
            out.add(i % 3 == 0 ? drill(at, false, 4100, -1, "inventory", "bob", List.of("no usable backup"))
                    : drill(at, true, 60 + i * 10, 3600.0 * i, "inventory", "alice", List.of()));
        }
        return out;
    }

    @Test
    void aPassingDrillShowsTheKeyFacts() throws Exception {
        DrillRecord d = pass(START);
        List<DrillRecord> history = new ArrayList<>(history(4));
        history.add(d);
        String html = DrillReport.html(d, history);

        assertThat(html).startsWith("<!DOCTYPE html>").contains("<div class=\"result pass\">PASS</div>")
                .contains("<code>inventory</code>").contains("inventory_20261120T000000Z_daily.dump.zst").contains("(daily)")
                .contains("taken 2026-11-20 00:00:00 UTC").contains(Disk.human(48_500_000)).contains("database inventory_drill")
                .contains("<th>Source</th><td>local</td>")
                .contains("<th>RTO</th><td>1.2 min against a target of 60 min: <span class=\"met\">met</span>")
                .contains("<th>RPO</th><td>2.0 h (age of the backup) against a target of 24 h: <span class=\"met\">met</span>")
                .contains("<span class=\"met\">passed</span>").contains("<p>None.</p>")
                .contains("alice").contains("db-host-1").contains("2026-11-20 02:00:00 UTC").contains("ra-infrastructure " + Version.NUMBER)
                .doesNotContain("<script").doesNotContain(" src=").doesNotContain(" href=").doesNotContain("url(").doesNotContain("@import");
        Document doc = xml(html);
        assertThat(count(doc, "//*[local-name()='rect'][@class='step-bar']")).isEqualTo(STEPS.size());
        assertThat(count(doc, "//*[local-name()='rect'][@class='rto-bar']")).isEqualTo(5);
        assertThat(count(doc, "//*[local-name()='path'][@class='current']")).as("this drill marked").isEqualTo(1);
        assertThat(count(doc, "//*[local-name()='circle'][@class='rpo-dot'] | //*[local-name()='path'][@class='rpo-none']"))
                .as("one RPO mark per drill").isEqualTo(5);
        assertThat(count(doc, "//*[local-name()='path'][@class='rpo-none']")).as("the failed drill had no backup").isEqualTo(1);
    }

    @Test
    void aFailedDrillSaysWhyAndMissesItsTargets() throws Exception {
        DrillRecord d = drill(START, false, 30, -1, "inventory", "alice", List.of("no usable backup of inventory", "damaged file skipped"));
        String html = DrillReport.html(d, List.of(d));

        assertThat(html).contains("<div class=\"result fail\">FAIL</div>")
                .contains("<th>RTO</th><td>30.0 s against a target of 60 min: <span class=\"missed\">missed</span>")
                .contains("<th>RPO</th><td>no usable backup against a target of 24 h: <span class=\"missed\">missed</span>")
                .contains("<span class=\"missed\">failed</span>")
                .contains("<li>no usable backup of inventory</li>").contains("<li>damaged file skipped</li>");
        assertThat(count(xml(html), "//*[local-name()='rect'][@class='rto-bar'][@fill='#c62828']")).isEqualTo(1);
    }

    @Test
    void hostileNamesAreEscapedEverywhere() throws Exception {
        String db = "<script>alert(\"x\")</script> & 'co' ü";
        String operator = "O'Brien <ops@example.com> & \"team\"";
        DrillRecord d = drill(START, false, 90, 100, db, operator, List.of("table <b>\"odd\"</b> & 'more'"));
        String html = DrillReport.html(d, List.of(pass(START.minusSeconds(86400)), d));

        assertThat(html).doesNotContain("<script").doesNotContain("<b>").doesNotContain("<ops@")
                .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39; ü")
                .contains("O&#39;Brien &lt;ops@example.com&gt; &amp; &quot;team&quot;")
                .contains("table &lt;b&gt;&quot;odd&quot;&lt;/b&gt; &amp; &#39;more&#39;");
        Document doc = xml(html);
        assertThat(doc.getElementsByTagName("title").item(0).getTextContent()).contains(db);
        assertThat(doc.getElementsByTagName("li").item(0).getTextContent()).isEqualTo("table <b>\"odd\"</b> & 'more'");
    }

    @Test
    void theHistoryShowsTheLastTwentyDrillsOneBarEach() throws Exception {
        List<DrillRecord> history = history(25);
        String html = DrillReport.html(history.get(24), history);
        List<String> svgs = svgs(html);

        assertThat(svgs).hasSize(2);
        Document chart = xml(svgs.get(1));
        assertThat(chart.getDocumentElement().getLocalName()).isEqualTo("svg");
        assertThat(count(chart, "//*[local-name()='rect'][@class='rto-bar']")).isEqualTo(20);
        assertThat(count(chart, "//*[local-name()='polyline'][@class='rto-target']")).isEqualTo(1);
        assertThat(count(chart, "//*[local-name()='polyline'][@class='rpo-line']")).isEqualTo(1);
        assertThat(html).as("the oldest five are left out").doesNotContain(history.get(4).startedAt().toString().substring(0, 10) + " 02:00:00 UTC:")
                .contains(history.get(5).startedAt().toString().substring(0, 10) + " 02:00:00 UTC:");
        Document steps = xml(svgs.get(0));
        assertThat(count(steps, "//*[local-name()='text']")).as("a name and a time per step").isEqualTo(2 * STEPS.size());
    }

    @Test
    void anEmptyHistoryAndNoStepsStillMakeAWellFormedReport() throws Exception {
        DrillRecord d = new DrillRecord(START, "sandbox", "drop-database", "inventory", null, null, null, 0, null, null, 12.5, -1,
                60, 24, false, "FAIL", List.of(), List.of(), null, null);
        String html = DrillReport.html(d, List.of());

        assertThat(html).contains("No earlier drills recorded").contains("No step timings recorded").contains("none usable")
                .contains("sandbox: drop-database");
        assertThat(svgs(html)).isEmpty();
        assertThat(xml(html).getDocumentElement().getTagName()).isEqualTo("html");
    }

    @Test
    void writeReplacesTheFileAtomicallyInUtf8() throws Exception {
        Path file = dir.resolve("reports/drill ü.html");
        DrillRecord d = drill(START, true, 70, 7200, "inventär", "alice", List.of());
        DrillReport.write(file, d, history(3));
        DrillReport.write(file, d, history(3));

        String html = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(html).contains("<code>inventär</code>").startsWith("<!DOCTYPE html>");
        assertThat(SafeFiles.partial(file)).doesNotExist();
        assertThat(xml(html).getDocumentElement().getTagName()).isEqualTo("html");
    }

    /** Parses as XML: the whole document is kept well-formed, the SVG charts included. */
    private static Document xml(String text) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static int count(Document doc, String xpath) throws Exception {
        return ((org.w3c.dom.NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, doc, XPathConstants.NODESET)).getLength();
    }

    private static List<String> svgs(String html) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?s)<svg .*?</svg>").matcher(html);
        while (m.find()) out.add(m.group());
        return out;
    }
}
