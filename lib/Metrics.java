package lib;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code LOG_DIR/metrics.jsonl}: one compact JSON object per run with every measured value, for
 * dashboards and for the next run to compare against. Rotates like the logs.
 */
public final class Metrics {
    private static final int TAIL = 256 * 1024;
    private final Path file;

    public Metrics(Path logDir) { this.file = logDir.resolve("metrics.jsonl"); }

    public Path file() { return file; }

    /** Appends one line; a metrics file that cannot be written is reported, never fatal. */
    public void append(Object record, Log log) {
        try {
            String line = Manifest.JSON.copy().disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(record);
            Log.append(file, (endsInsideALine() ? "\n" : "") + line + "\n");
        } catch (IOException e) {
            log.warn("cannot write " + file + ": " + e.getMessage());
        }
    }

    /** A run killed mid-write leaves a cut line: the next record must not be glued to it. */
    private boolean endsInsideALine() throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) == 0) return false;
        try (var ch = Log.openForReading(file)) {
            var last = java.nio.ByteBuffer.allocate(1);
            return ch.size() > 0 && ch.read(last, ch.size() - 1) == 1 && last.get(0) != '\n';
        }
    }

    /** The newest complete record (from the rotated file after a rotation), or a missing node. */
    public JsonNode last() {
        for (Path f : new Path[] {file, Log.rotated(file, 1)}) {
            JsonNode record = lastRecord(f);
            if (record != null) return record;
        }
        return MissingNode.getInstance();
    }

    /** The newest line that parses as an object: a run killed mid-write leaves a cut line behind. */
    private static JsonNode lastRecord(Path f) {
        if (!Files.isRegularFile(f)) return null;
        try {
            List<String> lines = Log.tail(f, TAIL).lines();
            for (int i = lines.size() - 1; i >= 0; i--) {
                JsonNode node = parse(lines.get(i));
                if (node != null && node.isObject()) return node;
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static JsonNode parse(String line) {
        try {
            return line.startsWith("{") ? Manifest.JSON.readTree(line) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
