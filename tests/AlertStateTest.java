package tests;

import lib.Log;
import lib.Manifest;
import lib.alert.AlertState;
import lib.alert.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class AlertStateTest {
    private static final Instant SINCE = Instant.parse("2025-03-01T10:00:00Z");
    private static final Duration LOCK_WAIT = Duration.ofSeconds(1);

    @TempDir Path home;

    @Test
    void whatIsWrittenReadsBackTheSame() {
        AlertState state = state(logDir());
        state.update(data -> {
            data.incidents.put("query", incident("health-check"));
            AlertState.PendingRecovery p = new AlertState.PendingRecovery();
            p.message = new Message("recovered", "ok", "[RECOVERED] x", "body");
            p.channels.add("email");
            data.recoveries.add(p);
        });

        AlertState.Data back = state(logDir()).read();
        assertThat(back.incidents).containsOnlyKeys("query");
        assertThat(back.incidents.get("query").since).isEqualTo(SINCE);
        assertThat(back.incidents.get("query").sent.get("email").severity).isEqualTo("critical");
        assertThat(back.recoveries).singleElement().satisfies(p -> {
            assertThat(p.message.subject()).isEqualTo("[RECOVERED] x");
            assertThat(p.channels).containsExactly("email");
        });
    }

    @Test
    void aCorruptFileIsSetAsideWithAWarningAndReplaced() throws Exception {
        Files.createDirectories(logDir());
        Files.writeString(logDir().resolve("alert-state.json"), "{not json");
        AtomicReference<Set<String>> seen = new AtomicReference<>();

        boolean done = state(logDir()).update(data -> {
            seen.set(Set.copyOf(data.incidents.keySet()));
            data.incidents.put("disk", incident("health-check"));
        });

        assertThat(done).isTrue();
        assertThat(seen.get()).isEmpty();
        List<Path> aside = corruptCopies();
        assertThat(aside).singleElement().satisfies(p -> assertThat(Files.readString(p)).isEqualTo("{not json"));
        assertThat(Files.readString(logFile())).contains(" WARN ").contains("unreadable").contains(aside.get(0).getFileName().toString());
        AlertState.Data written = Manifest.JSON.readValue(logDir().resolve("alert-state.json").toFile(), AlertState.Data.class);
        assertThat(written.incidents).containsOnlyKeys("disk");
    }

    @Test
    void aLogDirThatCannotBeCreatedStillRunsTheChangeAndWarns() throws Exception {
        Path regularFile = home.resolve("not-a-dir");
        Files.writeString(regularFile, "x");
        AtomicBoolean ran = new AtomicBoolean();

        boolean done = state(regularFile.resolve("logs")).update(data -> ran.set(true));

        assertThat(done).isTrue();
        assertThat(ran).isTrue();
        assertThat(Files.readString(logFile())).contains(" WARN ").contains("cannot write").contains("LOG_DIR is writable");
    }

    @Test
    void aStateFileThatCannotBeReplacedKeepsTheOldOneAndWarns() throws Exception {
        AlertState state = state(logDir());
        state.update(data -> data.incidents.put("query", incident("health-check")));
        Path blocker = logDir().resolve("alert-state.json.partial");
        Files.createDirectories(blocker);
        Files.writeString(blocker.resolve("keep"), "x");
        AtomicBoolean ran = new AtomicBoolean();

        boolean done = state.update(data -> {
            ran.set(true);
            data.incidents.clear();
        });

        assertThat(done).isTrue();
        assertThat(ran).isTrue();
        assertThat(state.read().incidents).containsOnlyKeys("query");
        assertThat(Files.readString(logFile())).contains(" WARN ").contains("cannot write");
    }

    @Test
    void aSecondUpdateWaitsForTheFirstAndSeesItsWrite() throws Exception {
        AlertState first = state(logDir());
        AlertState second = state(logDir());
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean secondEntered = new AtomicBoolean();
        AtomicReference<AlertState.Data> secondSaw = new AtomicReference<>();

        CompletableFuture<Boolean> a = CompletableFuture.supplyAsync(() -> first.update(data -> {
            data.incidents.put("query", incident("health-check"));
            inside.countDown();
            await(release);
        }));
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Boolean> b = CompletableFuture.supplyAsync(() -> second.update(data -> {
            secondEntered.set(true);
            secondSaw.set(data);
        }));
        Thread.sleep(300);
        assertThat(secondEntered).as("second update entered while the first held the state").isFalse();
        release.countDown();

        assertThat(a.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(b.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(secondSaw.get().incidents).containsOnlyKeys("query");
    }

    @Test
    void aLockHeldByAnotherRunIsWaitedForThenGivenUpWithoutChanging() throws Exception {
        Files.createDirectories(logDir());
        AlertState state = state(logDir());
        AtomicBoolean ran = new AtomicBoolean();
        boolean done;
        try (FileChannel ch = FileChannel.open(logDir().resolve("alert-state.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = ch.lock()) {
            long start = System.nanoTime();
            done = state.update(data -> ran.set(true));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(LOCK_WAIT);
        }

        assertThat(done).isFalse();
        assertThat(ran).isFalse();
        assertThat(Files.readString(logFile())).contains(" WARN ").contains("held by another run");
        assertThat(state.update(data -> ran.set(true))).as("free once the other run let go").isTrue();
        assertThat(ran).isTrue();
    }

    private AlertState state(Path logDir) { return new AlertState(logDir, new Log(home, "health-check"), LOCK_WAIT); }

    private Path logDir() { return home.resolve("logs"); }

    private Path logFile() { return home.resolve("health-check.log"); }

    private List<Path> corruptCopies() throws Exception {
        try (Stream<Path> files = Files.list(logDir())) {
            return files.filter(p -> p.getFileName().toString().matches("alert-state\\.corrupt-\\d+\\.json")).toList();
        }
    }

    private static AlertState.Incident incident(String source) {
        AlertState.Incident i = new AlertState.Incident();
        i.source = source;
        i.severity = "critical";
        i.title = "database not answering";
        i.since = SINCE;
        i.lastSeen = SINCE;
        AlertState.Sent s = new AlertState.Sent();
        s.at = SINCE;
        s.severity = "critical";
        i.sent.put("email", s);
        return i;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
