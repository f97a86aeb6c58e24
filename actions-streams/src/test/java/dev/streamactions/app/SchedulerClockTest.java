package dev.streamactions.app;

import static dev.streamactions.app.StreamsTestKit.readUntil;
import static dev.streamactions.app.StreamsTestKit.runsUntil;
import static dev.streamactions.app.StreamsTestKit.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.config.ActionsConfig;
import dev.streamactions.definitions.ActionDefinitions;
import dev.streamactions.definitions.ActionId;
import dev.streamactions.runs.ActionStatus;
import dev.streamactions.schemas.definitions.ActionDefinition;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.RunStatus;
import dev.streamactions.schemas.timer.TimerTick;
import dev.streamactions.schemas.timer.TimerTicks;
import dev.streamactions.schemas.wire.TopicValueReader;
import dev.streamactions.topics.TopicNames;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler's promises, checked with a clock the test moves forward (the application's clock is
 * Kafka Streams' wall clock, see {@code ClockTime}): hours of downtime take seconds, and no test waits for
 * a real minute. Real broker, real instances, real GraalPy; only the clock is the test's.
 *
 * <p>Every test reads what users see: the ticks on {@code actions.timer} (their {@code scheduled_for}),
 * the run records, the status.
 */
class SchedulerClockTest {
    private static final String ORG = "default";

    @TempDir
    Path dir;

    private EmbeddedKafka kafka;
    private final SchemaRegistry registry = new InMemorySchemaRegistry();
    private final MovableClock clock = new MovableClock();

    @BeforeEach
    void startKafka() throws Exception {
        // The one broker setting changed: records stamped by the moved clock are hours ahead of the broker's
        // own (real) clock, which by default refuses timestamps more than an hour ahead.
        kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, 0, Duration.ofSeconds(60),
                Map.of("log.message.timestamp.after.max.ms", Long.toString(Long.MAX_VALUE)));
    }

    @AfterEach
    void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void dueTimesMissedWhileDownGiveOneTickThenTheScheduleGoesOnFromNow() throws Exception {
        Instant firstHour = clock.instant().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        try (ActionsApplication first = start("first")) {
            define(first, "hourly", "0 * * * *", Map.of());
            awaitSchedulerRead();
            clock.moveTo(firstHour);
            assertThat(ticksUntil(1)).containsExactly(firstHour);
        }
        // Five hours and a half without any instance.
        clock.moveTo(firstHour.plus(Duration.ofMinutes(330)));
        try (ActionsApplication second = start("first")) {
            // One tick for the oldest missed time, not five.
            assertThat(ticksUntil(2)).containsExactly(firstHour, firstHour.plus(Duration.ofHours(1)));
            Instant nextAfterNow = firstHour.plus(Duration.ofHours(6));
            clock.moveTo(nextAfterNow);
            assertThat(ticksUntil(3)).containsExactly(firstHour, firstHour.plus(Duration.ofHours(1)), nextAfterNow);
            assertThat(completedRuns(second, "hourly", 3)).hasSize(3);
        }
    }

    @Test
    void aOnceActionSavedInThePastRunsOnceAndNeverAgain() throws Exception {
        Instant yesterday = clock.instant().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
        try (ActionsApplication app = start("only")) {
            ActionDefinition late = define(app, "late", "once:" + yesterday, Map.of());
            assertThat(ticksUntil(1)).containsExactly(yesterday);
            assertThat(completedRuns(app, "late", 1)).hasSize(1);
            await().atMost(StreamsTestKit.DEADLINE).until(() -> app.status(late) == ActionStatus.Completed);

            // Two days on, the scheduler has looked many times: a marker due now fires, the late one does not.
            clock.moveTo(clock.instant().plus(Duration.ofDays(2)));
            Instant markerTime = clock.instant().truncatedTo(ChronoUnit.SECONDS);
            define(app, "marker", "once:" + markerTime, Map.of());
            List<TimerTick> ticks = ticksOf(2);
            assertThat(ticks).extracting(t -> t.getAction() + "@" + t.getScheduledFor())
                    .containsExactly("late@" + yesterday, "marker@" + markerTime);
        }
    }

    @Test
    void aRestartOnTheSameDataFolderGivesNoSecondTickForATimeAlreadyFired() throws Exception {
        startOfAMinute();
        Instant minute;
        try (ActionsApplication first = start("restarted")) {
            define(first, "every_minute", "* * * * *", Map.of());
            awaitSchedulerRead();
            minute = nextMinute();
            clock.moveTo(minute);
            ticksUntil(1);
            clock.moveTo(minute.plus(Duration.ofMinutes(1)));
            ticksUntil(2);
        }
        try (ActionsApplication again = start("restarted")) {
            clock.moveTo(minute.plus(Duration.ofMinutes(2)));
            assertThat(ticksUntil(3)).containsExactly(minute, minute.plus(Duration.ofMinutes(1)),
                    minute.plus(Duration.ofMinutes(2)));
            assertThat(completedRuns(again, "every_minute", 3)).hasSize(3);
        }
    }

    @Test
    void twoInstancesGiveOneTickPerDueTimeAlsoWhenOneOfThemStops() throws Exception {
        startOfAMinute();
        Instant minute;
        try (ActionsApplication stays = start("stays")) {
            try (ActionsApplication leaves = start("leaves")) {
                define(stays, "every_minute", "* * * * *", Map.of());
                awaitSchedulerRead();
                minute = nextMinute();
                for (int i = 0; i < 2; i++) {
                    clock.moveTo(minute.plus(Duration.ofMinutes(i)));
                    ticksUntil(i + 1);
                }
            }
            for (int i = 2; i < 4; i++) {
                clock.moveTo(minute.plus(Duration.ofMinutes(i)));
                ticksUntil(i + 1);
            }
            assertThat(ticksUntil(4)).containsExactly(minute, minute.plus(Duration.ofMinutes(1)),
                    minute.plus(Duration.ofMinutes(2)), minute.plus(Duration.ofMinutes(3)));
            assertThat(completedRuns(stays, "every_minute", 4)).hasSize(4);
        }
    }

    @Test
    void theStatusGoesFromReadyToRunningToCompletedOrErrored() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer gate = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gate.createContext("/", exchange -> {
            try {
                release.await(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "open".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        gate.start();
        try (ActionsApplication app = start("status")) {
            Instant at = clock.instant().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
            ActionDefinition gated = define(app, "gated", "once:" + at, Map.of("GATE_URL",
                    "http://127.0.0.1:" + gate.getAddress().getPort() + "/"), """
                    import os, urllib.request
                    def main():
                        urllib.request.urlopen(os.environ["GATE_URL"], timeout=120).read()
                        return [{"done": True}]
                    """);
            ActionDefinition failing = define(app, "failing", "once:" + at, Map.of(), """
                    def main():
                        raise RuntimeError("the report source is gone")
                    """);
            assertThat(app.status(gated)).isEqualTo(ActionStatus.Ready);
            assertThat(app.status(failing)).isEqualTo(ActionStatus.Ready);

            clock.moveTo(at);
            await().atMost(StreamsTestKit.DEADLINE).until(() -> app.status(gated) == ActionStatus.Running);
            await().atMost(StreamsTestKit.DEADLINE).until(() -> app.status(failing) == ActionStatus.Errored);
            release.countDown();
            await().atMost(StreamsTestKit.DEADLINE).until(() -> app.status(gated) == ActionStatus.Completed);
            assertThat(runsUntil(app, ORG, "failing", rs -> rs.stream().anyMatch(r -> r.getStatus() == RunStatus.Errored)))
                    .filteredOn(r -> r.getStatus() == RunStatus.Errored).singleElement()
                    .satisfies(r -> assertThat(r.getError()).contains("the report source is gone"));
        } finally {
            release.countDown();
            gate.stop(0);
        }
    }

    private ActionsApplication start(String instance) throws Exception {
        ActionsApplication app = ActionsApplication.start(new ActionsConfig(Map.of(
                ActionsConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                ActionsConfig.DATA_DIR, dir.resolve(instance).toString(),
                ActionsConfig.HTTP_PORT, "0",
                // One partition: one scheduler task, so "a later look fired nothing" is a statement about it.
                ActionsConfig.TOPIC_PARTITIONS, "1",
                ActionsConfig.SCHEDULER_INTERVAL_MS, "100",
                ActionsConfig.RETRY_ATTEMPTS, "0")),
                new ActionsApplication.Parts(StreamsTestKit.shared(registry), StreamsTestKit.EVERYONE_MAY_FETCH, clock));
        app.awaitRunning(StreamsTestKit.DEADLINE);
        return app;
    }

    private static ActionDefinition define(ActionsApplication app, String name, String schedule, Map<String, String> env)
            throws Exception {
        return define(app, name, schedule, env, """
                def main():
                    return [{"fired": True}]
                """);
    }

    private static ActionDefinition define(ActionsApplication app, String name, String schedule, Map<String, String> env,
            String script) throws Exception {
        String sha = app.scripts().put(zip(script));
        return app.definitions().define(new ActionDefinitions.Draft(new ActionId(ORG, name), ActionType.scheduled, "",
                "svc@example.com", env, schedule, sha));
    }

    /**
     * Waits until the instances have read (and committed) every definition: from then on the scheduler
     * holds each action's due time, computed at the clock's time before the test moves it.
     */
    /**
     * The clock moved to just after a minute starts. The clock still runs in real time, and the scheduler
     * takes its first due time from when it reads the definition: a slow start that crossed into the next
     * minute made the test expect a minute the scheduler never had (CI, 2026-12-06).
     */
    private void startOfAMinute() {
        clock.moveTo(nextMinute());
    }

    /** The first whole minute after the clock's now: a per-minute schedule's next due time. */
    private Instant nextMinute() {
        return clock.instant().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
    }

    private void awaitSchedulerRead() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, (Object) kafka.bootstrapServers()))) {
            await().atMost(StreamsTestKit.DEADLINE).pollInterval(Duration.ofMillis(100)).until(() -> {
                Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
                admin.describeTopics(List.of(TopicNames.DEFINITIONS)).allTopicNames().get().get(TopicNames.DEFINITIONS)
                        .partitions().forEach(p -> ends.put(new TopicPartition(TopicNames.DEFINITIONS, p.partition()),
                                OffsetSpec.latest()));
                var end = admin.listOffsets(ends).all().get();
                var committed = admin.listConsumerGroupOffsets("stream-actions").partitionsToOffsetAndMetadata().get();
                return end.entrySet().stream().allMatch(e -> committed.containsKey(e.getKey())
                        && committed.get(e.getKey()).offset() >= e.getValue().offset());
            });
        }
    }

    /** The ticks on actions.timer, once there are {@code count}; their scheduled_for times in order. */
    private List<Instant> ticksUntil(int count) {
        return ticksOf(count).stream().map(TimerTick::getScheduledFor).toList();
    }

    private List<TimerTick> ticksOf(int count) {
        TopicValueReader<TimerTick> reader = TimerTicks.reader(registry);
        return readUntil(kafka.bootstrapServers(), TimerTicks.TOPIC, rs -> rs.size() >= count).stream()
                .map(r -> reader.read(r.value())).toList();
    }

    private static List<RunRecord> completedRuns(ActionsApplication app, String action, int count) {
        return runsUntil(app, ORG, action, rs -> rs.stream().filter(r -> r.getStatus() == RunStatus.Completed).count()
                >= count).stream().filter(r -> r.getStatus() == RunStatus.Completed).toList();
    }

    /** The system's clock plus an offset that only grows: the test moves it forward, time also flows. */
    static final class MovableClock extends Clock {
        private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

        /** Moves the clock forward so that it reads {@code time} (plus a little: the due time has passed). */
        void moveTo(Instant time) {
            Duration needed = Duration.between(Instant.now(), time).plusMillis(200);
            offset.getAndUpdate(current -> needed.compareTo(current) > 0 ? needed : current);
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset.get());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("the clock of schedules is UTC");
        }
    }
}
