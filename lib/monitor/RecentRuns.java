package lib.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import lib.Log;
import lib.Manifest;
import lib.Metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The health-check records of a recent window, read from {@code metrics.jsonl} and its rotated file. Only
 * the end of each file is read (a longer stretch only while it is all inside the window), so a big file
 * costs no more than a small one. Lines cut by a killed run, foreign lines and other sources are skipped.
 */
public final class RecentRuns {
    static final String SOURCE = "health-check";
    private static final int FIRST_READ = 64 * 1024;

    private final List<JsonNode> records;

    private RecentRuns(List<JsonNode> records) { this.records = records; }

    /** The records with {@code since <= ts <= until}, oldest first. */
    public static RecentRuns read(Metrics metrics, Instant since, Instant until) {
        List<JsonNode> out = new ArrayList<>();
        for (Path f : new Path[] {metrics.file(), Log.rotated(metrics.file(), 1)}) {
            Tail tail = tail(f, since);
            List<JsonNode> inWindow = new ArrayList<>();
            for (JsonNode r : tail.records()) {
                Instant ts = ts(r);
                if (!ts.isBefore(since) && !ts.isAfter(until)) inWindow.add(r);
            }
            out.addAll(0, inWindow);
            if (tail.reachedBefore()) break;
        }
        return new RecentRuns(out);
    }

    public List<JsonNode> records() { return records; }

    /** SELECT 1 latencies of the runs where the query check measured one. */
    public Latency latency() {
        List<Double> ms = new ArrayList<>();
        for (JsonNode r : records) {
            JsonNode v = r.path("checks").path("query").path("values").path("latencyMs");
            if (v.isNumber()) ms.add(v.asDouble());
        }
        return Latency.of(ms);
    }

    /** The lowest container restart count recorded in the window, if any run saw the container. */
    public OptionalInt lowestRestartCount() {
        return records.stream().map(r -> r.path("checks").path("container").path("values").path("restartCount"))
                .filter(JsonNode::isInt).mapToInt(JsonNode::asInt).min();
    }

    /** What was read from one file: its usable records, and whether it goes back before the window. */
    private record Tail(List<JsonNode> records, boolean reachedBefore) {}

    /** Reads ever longer stretches from the end until one starts before {@code since} or covers the file. */
    private static Tail tail(Path f, Instant since) {
        if (!Files.isRegularFile(f)) return new Tail(List.of(), false);
        try {
            for (long window = FIRST_READ; ; window *= 4) {
                Log.Tail t = Log.tail(f, window);
                List<JsonNode> records = new ArrayList<>();
                for (String line : t.lines()) {
                    JsonNode r = parse(line);
                    if (r != null) records.add(r);
                }
                boolean before = records.stream().anyMatch(r -> ts(r).isBefore(since));
                if (before || t.whole()) return new Tail(records, before);
            }
        } catch (IOException e) {
            return new Tail(List.of(), false);
        }
    }

    /** A complete health-check record with a readable timestamp, or null. */
    private static JsonNode parse(String line) {
        if (!line.startsWith("{")) return null;
        try {
            JsonNode r = Manifest.JSON.readTree(line);
            if (r == null || !r.isObject() || !SOURCE.equals(r.path("source").asText())) return null;
            ts(r);
            return r;
        } catch (IOException | DateTimeParseException e) {
            return null;
        }
    }

    private static Instant ts(JsonNode r) { return Instant.parse(r.path("ts").asText()); }
}
