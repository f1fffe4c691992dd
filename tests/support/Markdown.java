package tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of a Markdown page that documentation tests check: fenced code blocks (with their language, the
 * {@code ##} section they are in and their line), inline code spans, links, and the anchors GitHub gives
 * the headings. Fences may be indented (inside list items); their content is unindented by the fence's indent.
 */
public final class Markdown {
    /** A fenced block: {@code lang} is the first word of the info string ("" when none), {@code line} 1-based. */
    public record Block(String lang, String section, int line, List<String> lines) {
        public String text() { return String.join("\n", lines) + "\n"; }
    }

    /** Something found on one line outside fenced blocks: a link target or a code span's content. */
    public record Found(int line, String text) {}

    private static final Pattern FENCE = Pattern.compile("^( *)(```|~~~)\\s*([\\w-]*).*$");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("`([^`]+)`");
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");

    private final Path file;
    private final List<Block> blocks = new ArrayList<>();
    private final List<Found> spans = new ArrayList<>();
    private final List<Found> links = new ArrayList<>();
    private final List<String> anchors = new ArrayList<>();

    private Markdown(Path file, List<String> lines) {
        this.file = file;
        String section = "";
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher fence = FENCE.matcher(lines.get(i));
            if (fence.matches()) {
                i = block(lines, i, fence.group(1).length(), fence.group(2), fence.group(3), section);
                continue;
            }
            Matcher h = HEADING.matcher(lines.get(i));
            if (h.matches()) {
                String slug = slug(h.group(2));
                int n = seen.merge(slug, 1, Integer::sum);
                anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
                if (h.group(1).length() == 2) section = h.group(2);
            }
            Matcher span = CODE_SPAN.matcher(lines.get(i));
            while (span.find()) spans.add(new Found(i + 1, span.group(1)));
            Matcher link = LINK.matcher(CODE_SPAN.matcher(lines.get(i)).replaceAll(""));
            while (link.find()) links.add(new Found(i + 1, link.group(1)));
        }
    }

    public static Markdown read(Path file) {
        try {
            return new Markdown(file, Files.readAllLines(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path file() { return file; }

    public List<Block> blocks() { return blocks; }

    /** Inline code spans outside fenced blocks. */
    public List<Found> codeSpans() { return spans; }

    /** Link targets ({@code [text](target)}) outside code. */
    public List<Found> links() { return links; }

    /** The anchor of every heading, as GitHub makes them: {@code #1-the-database-does-not-answer}. */
    public List<String> anchors() { return anchors; }

    /** GitHub's heading slug: lower case, punctuation dropped (not - and _), spaces to hyphens. */
    public static String slug(String heading) {
        String plain = heading.replaceAll("`", "").toLowerCase(Locale.ROOT);
        return plain.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }

    /** Reads the block opened on line {@code open}; returns the index of its closing fence. */
    private int block(List<String> lines, int open, int indent, String marker, String lang, String section) {
        List<String> content = new ArrayList<>();
        int i = open + 1;
        for (; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.strip().equals(marker)) break;
            int cut = Math.min(indent, l.length() - l.stripLeading().length());
            content.add(l.substring(cut));
        }
        if (i == lines.size()) throw new AssertionError(file + ":" + (open + 1) + ": fence never closed");
        blocks.add(new Block(lang, section, open + 1, List.copyOf(content)));
        return i;
    }
}
