package lib.alert;

import lib.Config;
import lib.Human;
import lib.Log;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.*;
import java.util.concurrent.*;

/**
 * Turns "what is failing now" into as few messages as the operator needs: the first failure of a type
 * alerts at once on every channel, silence while it persists, a reminder each ALERT_RATE_LIMIT_MINUTES
 * saying how long it has been failing, an immediate alert when it gets worse, and one RECOVERED notice
 * with the downtime when it clears. A channel that fails is not marked as told, so the next run retries.
 * Channels send in parallel and a run's sending ends by one deadline (ALERT_DEADLINE_SECONDS), however
 * many servers hang: what has not gone out by then waits for the next run.
 */
public final class Alerts {
    /**
     * A failing check or job. {@code type} is the stable key rate limits hang on ("query",
     * "backup:inventory"); {@code severity} is critical or warning.
     */
    public record Failure(String type, String severity, String title, String detail, String action, String runbook) {}

    /** What happened to one message on one channel. */
    public record Delivery(String channel, String event, String subject, boolean ok, String error) {}

    private record Planned(Channel channel, Message message, Runnable onSent) {}

    private final Log log;
    private final Clock clock;
    private final List<Channel> channels;
    private final AlertState state;
    private final Duration window;
    private final Duration deadline;
    private final Notices notices;
    private final boolean onWarning;

    public Alerts(Config cfg, Log log, Clock clock, List<Channel> channels) {
        this.log = log;
        this.clock = clock;
        this.channels = List.copyOf(channels);
        this.deadline = Duration.ofSeconds(cfg.integer("ALERT_DEADLINE_SECONDS"));
        // Another run holds the state only while it sends, which ends by its own deadline.
        this.state = new AlertState(cfg.path("LOG_DIR"), log, deadline.plusSeconds(1));
        this.window = Duration.ofMinutes(cfg.integer("ALERT_RATE_LIMIT_MINUTES"));
        this.notices = new Notices(cfg.get("ALERT_SUBJECT_PREFIX"));
        this.onWarning = cfg.flag("ALERT_ON_WARNING");
    }

    /** The configured channels (email, webhook) on the system clock. */
    public static Alerts from(Config cfg, Log log) {
        List<Channel> chs = new ArrayList<>();
        Mailer.from(cfg).ifPresent(chs::add);
        Webhook.from(cfg).ifPresent(chs::add);
        return new Alerts(cfg, log, Clock.systemUTC(), chs);
    }

    public List<Channel> channels() { return channels; }

    public AlertState state() { return state; }

    /** How long one run's sending may take, all channels together (the dead-man ping shares it). */
    public Duration deadline() { return deadline; }

    /** The host name alerts name, for other reports to agree with them. */
    public static String host() { return Notices.host(); }

    /**
     * Records this run's outcome and sends what is due.
     * @param source who evaluates these types ("health-check", "backup")
     * @param scope every type this run evaluated: a type in scope that is not failing has recovered
     * @param failing what fails now (each type must be in scope)
     */
    public List<Delivery> report(String source, Collection<String> scope, List<Failure> failing) {
        if (channels.isEmpty()) return List.of();
        List<Failure> alerting = failing.stream().filter(f -> onWarning || f.severity().equals("critical")).toList();
        List<Delivery> out = new ArrayList<>();
        long until = System.nanoTime() + deadline.toNanos();
        state.update(data -> {
            Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
            List<Planned> plan = new ArrayList<>();
            planPendingRecoveries(data, plan);
            for (Failure f : alerting) planAlert(data, source, f, alerting, now, plan);
            planRecovery(data, source, scope, alerting, now, plan);
            out.addAll(deliver(plan, until));
        });
        return out;
    }

    private void planAlert(AlertState.Data data, String source, Failure f, List<Failure> all, Instant now, List<Planned> plan) {
        AlertState.Incident inc = data.incidents.computeIfAbsent(f.type(), t -> {
            AlertState.Incident i = new AlertState.Incident();
            i.since = now;
            i.source = source;
            return i;
        });
        inc.severity = f.severity();
        inc.title = f.title();
        inc.detail = f.detail();
        inc.lastSeen = now;
        List<Failure> others = all.stream().filter(o -> o != f).toList();
        for (Channel ch : channels) {
            AlertState.Sent last = inc.sent.get(ch.name());
            String event = last == null || rank(f.severity()) > rank(last.severity) ? "alert"
                    : Duration.between(last.at, now).compareTo(window) >= 0 ? "reminder" : null;
            if (event == null) continue;
            Message m = notices.alert(f, event, inc.since, now, others);
            plan.add(new Planned(ch, m, () -> {
                AlertState.Sent s = new AlertState.Sent();
                s.at = now;
                s.severity = f.severity();
                inc.sent.put(ch.name(), s);
            }));
        }
    }

    private void planRecovery(AlertState.Data data, String source, Collection<String> scope, List<Failure> failing,
                              Instant now, List<Planned> plan) {
        Set<String> failingTypes = new HashSet<>();
        failing.forEach(f -> failingTypes.add(f.type()));
        Map<String, AlertState.Incident> recovered = new TreeMap<>();
        data.incidents.forEach((type, inc) -> {
            if (scope.contains(type) && !failingTypes.contains(type) && source.equals(inc.source)) recovered.put(type, inc);
        });
        recovered.keySet().forEach(data.incidents::remove);
        recovered.values().removeIf(inc -> inc.sent.isEmpty());
        if (recovered.isEmpty()) return;
        Message m = notices.recovered(recovered, now);
        Set<String> told = new TreeSet<>();
        recovered.values().forEach(inc -> told.addAll(inc.sent.keySet()));
        AlertState.PendingRecovery pending = new AlertState.PendingRecovery();
        pending.message = m;
        pending.channels.addAll(told);
        data.recoveries.add(pending);
        planPending(pending, data, plan);
    }

    private void planPendingRecoveries(AlertState.Data data, List<Planned> plan) {
        for (AlertState.PendingRecovery p : List.copyOf(data.recoveries)) planPending(p, data, plan);
    }

    private void planPending(AlertState.PendingRecovery p, AlertState.Data data, List<Planned> plan) {
        for (Channel ch : channels) {
            if (!p.channels.contains(ch.name())) continue;
            plan.add(new Planned(ch, p.message, () -> {
                p.channels.remove(ch.name());
                if (p.channels.isEmpty()) data.recoveries.remove(p);
            }));
        }
    }

    /**
     * Sends each channel's messages in order, channels in parallel, until {@code until} (System.nanoTime).
     * After a channel fails once in a run its remaining messages wait for the next run instead of each
     * waiting out the timeout; a channel still busy at the deadline is left behind (its thread is a daemon)
     * and its unsent messages are reported as such, so they are retried.
     */
    private List<Delivery> deliver(List<Planned> plan, long until) {
        Map<Channel, List<Planned>> byChannel = new LinkedHashMap<>();
        plan.forEach(p -> byChannel.computeIfAbsent(p.channel(), c -> new ArrayList<>()).add(p));
        Round round = new Round();
        ExecutorService pool = Executors.newCachedThreadPool(daemon());
        try {
            List<Future<?>> futures = new ArrayList<>();
            byChannel.values().forEach(queue -> futures.add(pool.submit(() -> sendAll(queue, round))));
            for (Future<?> f : futures) waitUntil(f, until);
            return round.close(byChannel.values());
        } finally {
            pool.shutdownNow();
        }
    }

    private void sendAll(List<Planned> queue, Round round) {
        String failure = null;
        for (Planned p : queue) {
            Message m = p.message();
            String channel = p.channel().name();
            if (failure != null) {
                round.record(p, new Delivery(channel, m.event(), m.subject(), false, "not tried: " + failure));
                continue;
            }
            try {
                p.channel().send(m);
                if (round.record(p, new Delivery(channel, m.event(), m.subject(), true, null))) {
                    log.info("alert sent via " + channel + ": " + m.subject());
                }
            } catch (RuntimeException e) {
                failure = e instanceof lib.OpsException o ? o.oneLine() : e.toString();
                if (round.record(p, new Delivery(channel, m.event(), m.subject(), false, failure))) {
                    log.warn("alert via " + channel + " failed, retried next run: " + failure + " (" + m.subject() + ")");
                }
            }
        }
    }

    private static void waitUntil(Future<?> f, long until) {
        try {
            f.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // a channel's own failures are recorded by sendAll; one still busy is reported by Round.close
        }
    }

    /** The outcomes of one delivery round; once closed at the deadline, late outcomes change nothing. */
    private final class Round {
        private final Map<Planned, Delivery> done = new IdentityHashMap<>();
        private boolean closed;

        /** Records an outcome (and marks a sent message as told) unless the round is closed; false when it was. */
        synchronized boolean record(Planned p, Delivery d) {
            if (closed) return false;
            if (d.ok()) p.onSent().run();
            done.put(p, d);
            return true;
        }

        /** Closes the round: every message without an outcome is reported unsent, to be retried next run. */
        synchronized List<Delivery> close(Collection<List<Planned>> queues) {
            closed = true;
            List<Delivery> out = new ArrayList<>();
            for (List<Planned> queue : queues) {
                for (Planned p : queue) {
                    Delivery d = done.get(p);
                    if (d == null) {
                        Message m = p.message();
                        d = new Delivery(p.channel().name(), m.event(), m.subject(), false, "no answer within "
                                + deadline.toSeconds() + " s (ALERT_DEADLINE_SECONDS); retried next run");
                        log.warn("alert via " + d.channel() + " not sent: " + d.error() + " (" + m.subject() + ")");
                    }
                    out.add(d);
                }
            }
            return out;
        }
    }

    /**
     * A one-off event rather than an incident (verify-startup's "started OK" or "failed at step X"): sent
     * on every channel unless the same key went out on that channel within ALERT_RATE_LIMIT_MINUTES (a
     * boot trigger and a logon trigger may both run the same check). No reminders, no recovery notice.
     * @param f what happened; severity critical, warning or ok (good news)
     */
    public List<Delivery> event(String key, Failure f) {
        if (channels.isEmpty()) return List.of();
        List<Delivery> out = new ArrayList<>();
        long until = System.nanoTime() + deadline.toNanos();
        state.update(data -> {
            Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
            Map<String, Instant> sent = data.events.computeIfAbsent(key, k -> new TreeMap<>());
            Message m = notices.event(f, now);
            List<Planned> plan = new ArrayList<>();
            for (Channel ch : channels) {
                Instant last = sent.get(ch.name());
                if (last != null && Duration.between(last, now).compareTo(window) < 0) {
                    log.info("not sent via " + ch.name() + " (same event " + last + "): " + m.subject());
                    continue;
                }
                plan.add(new Planned(ch, m, () -> sent.put(ch.name(), now)));
            }
            out.addAll(deliver(plan, until));
        });
        return out;
    }

    /** --test-alert: one test message through every channel, each result reported. */
    public List<Delivery> test(String script) {
        Message m = notices.test(script, clock.instant());
        List<Planned> plan = new ArrayList<>();
        channels.forEach(ch -> plan.add(new Planned(ch, m, () -> { })));
        return deliver(plan, System.nanoTime() + deadline.toNanos());
    }

    static int rank(String severity) {
        return switch (severity) {
            case "critical" -> 2;
            case "warning" -> 1;
            default -> 0;
        };
    }

    static ThreadFactory daemon() {
        return r -> {
            Thread t = new Thread(r, "alert-send");
            t.setDaemon(true);
            return t;
        };
    }

    /** "1h 5m" for durations in alert texts. */
    static String span(Instant from, Instant to) { return Human.age(Duration.between(from, to)); }
}
