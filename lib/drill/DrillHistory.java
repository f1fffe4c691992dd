package lib.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import lib.Log;
import lib.Manifest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * {@code LOG_DIR/drills.jsonl}: every drill, one JSON line each, oldest first. Rotates like the logs;
 * reading takes the rotated files too, so the history survives a rotation.
 */
public final class DrillHistory {
    private static final ObjectMapper LINE = Manifest.JSON.copy().disable(SerializationFeature.INDENT_OUTPUT);
    private static final int ROTATED_READ = 5;
    private final Path file;

    public DrillHistory(Path logDir) { this.file = logDir.resolve("drills.jsonl"); }

    public Path file() { return file; }

    /** Appends one line; the caller decides whether a failure to write is fatal (for a drill it is: it is the evidence). */
    public void append(DrillRecord r) throws IOException {
        Log.append(file, LINE.writeValueAsString(r) + "\n");
    }

    /** Every readable record, oldest first; cut or foreign lines (a run killed mid-write) are skipped. */
    public List<DrillRecord> all() {
        List<DrillRecord> out = new ArrayList<>();
        for (int n = ROTATED_READ; n >= 0; n--) {
            Path f = n == 0 ? file : Log.rotated(file, n);
            if (!Files.isRegularFile(f)) continue;
            try {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) parse(line).ifPresent(out::add);
            } catch (IOException e) {
                // an unreadable old file only shortens the history
            }
        }
        out.sort(Comparator.comparing(DrillRecord::startedAt));
        return out;
    }

    /** The newest drill, if any. */
    public Optional<DrillRecord> last() {
        List<DrillRecord> all = all();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    private static Optional<DrillRecord> parse(String line) {
        if (!line.startsWith("{")) return Optional.empty();
        try {
            DrillRecord r = LINE.readValue(line, DrillRecord.class);
            return r.startedAt() == null ? Optional.empty() : Optional.of(r);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
