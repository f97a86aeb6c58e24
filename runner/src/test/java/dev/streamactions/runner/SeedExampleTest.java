package dev.streamactions.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedExampleTest {

    @TempDir
    static Path work;
    static ActionRunner runner;

    @BeforeAll
    static void start() {
        runner = ActionRunner.start(RunnerSettings.in(work));
    }

    @AfterAll
    static void stop() {
        runner.close();
    }

    @Test
    void graalPyRunsWithItsJit() {
        assertThat(runner.runtimeName())
                .as("the JVM must start with JVMCI and the Graal compiler (see the README); interpreter-only is 8x slower")
                .isNotEqualTo("Interpreted");
        assertThat(runner.compilationEnabled()).isTrue();
    }

    @Test
    @SuppressWarnings("unchecked")
    void seedRealtimeActionReturnsTheDistinctSummary() throws Exception {
        List<Map<String, Object>> records = SeedExamples.k8sRecords(12, 3);
        try (LoadedAction action = runner.load(ActionSpec.realtime("real_time_action_script"), SeedExamples.realtimeZip())) {
            ActionResult result = action.invoke(ActionInput.ofRecords(records));

            assertThat(result.records()).hasSize(1);
            Map<String, Object> summary = result.records().get(0);
            assertThat(summary).containsEntry("distinct_pod_count", 3)
                    .containsEntry("distinct_docker_count", 3)
                    .containsEntry("distinct_pod_id_count", 3);
            assertThat((List<Object>) summary.get("distinct_pod_names"))
                    .containsExactlyInAnyOrder("checkout-0", "checkout-1", "checkout-2");
            assertThat((List<Object>) summary.get("distinct_docker_ids"))
                    .containsExactlyInAnyOrder("docker-1000", "docker-1001", "docker-1002");
            assertThat((List<Object>) summary.get("distinct_pod_ids")).containsExactlyInAnyOrder("uid-0", "uid-1", "uid-2");
            assertThat(result.logs()).extracting(LogLine::level, LogLine::message).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("INFO", "Starting transformation"),
                    org.assertj.core.groups.Tuple.tuple("INFO", "Distinct pod names: 3, docker IDs: 3"));
        }
    }

    @Test
    void everyScriptLineAlsoGoesToTheHostLogTaggedWithTheAction() throws Exception {
        ch.qos.logback.classic.Logger hostLog =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("action.tagged");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        hostLog.addAppender(appender);
        try (LoadedAction action = runner.load(ActionSpec.realtime("tagged"), ActionZip.ofMain("""
                def main(data, logger):
                    logger.warning("careful: %d records", len(data))
                    try:
                        1 / 0
                    except ZeroDivisionError:
                        logger.exception("divided")
                    return []
                """))) {
            action.invoke(ActionInput.ofRecords(List.of(Map.of("a", 1))), "run-42");
        } finally {
            hostLog.detachAppender(appender);
        }
        assertThat(appender.list).extracting(e -> e.getLevel().toString(), ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("WARN", "[run-42] careful: 1 records"),
                        org.assertj.core.groups.Tuple.tuple("ERROR", "[run-42] divided\nTraceback (most recent call last):\n"
                                + "  File \"main.py\", line 4, in main\n    1 / 0\n    ~~^~~\nZeroDivisionError: division by zero"));
    }

    @Test
    void thresholdFromTheEnvironmentDecidesWhetherTheSummaryIsReturned() throws Exception {
        byte[] zip = ActionZip.create()
                .file("threshold/main.py", """
                        import os
                        from distinct import distinct

                        def main(data, logger):
                            threshold = int(os.environ.get("MIN_DISTINCT_THRESHOLD", "1"))
                            names, count = distinct([item['kubernetes_pod_name'] for item in data])
                            if count < threshold:
                                logger.warning(f"only {count} distinct pods, below {threshold}")
                                return []
                            return [{"distinct_pod_names": sorted(names), "distinct_pod_count": count}]
                        """)
                .file("threshold/distinct.py", SeedExamples.DISTINCT_PY)
                .bytes();
        ActionInput input = ActionInput.ofRecords(SeedExamples.k8sRecords(20, 4));
        ActionSpec spec = ActionSpec.realtime("threshold");

        try (LoadedAction low = runner.load(spec.withEnvironment(Map.of("MIN_DISTINCT_THRESHOLD", "3")), zip);
             LoadedAction high = runner.load(spec.withEnvironment(Map.of("MIN_DISTINCT_THRESHOLD", "5")), zip)) {
            assertThat(low.invoke(input).records()).containsExactly(Map.of(
                    "distinct_pod_names", List.of("checkout-0", "checkout-1", "checkout-2", "checkout-3"),
                    "distinct_pod_count", 4));
            ActionResult below = high.invoke(input);
            assertThat(below.records()).isEmpty();
            assertThat(below.logs()).extracting(LogLine::message).containsExactly("only 4 distinct pods, below 5");
        }
    }

    @Test
    void recordsKeepTheirOrderAndJsonTypesThroughTheRoundTrip() throws Exception {
        byte[] zip = ActionZip.ofMain("""
                def main(data, logger):
                    return [dict(r, seen=True) for r in data]
                """);
        List<Map<String, Object>> records = List.of(
                Map.of("n", 1, "f", 1.5, "s", "é ☃ \\n", "list", List.of(1, "a"), "nested", Map.of("x", -2)),
                Map.of("big", 12345678901234L, "none", java.util.Collections.singletonMap("k", null)));
        try (LoadedAction action = runner.load(ActionSpec.realtime("identity"), zip)) {
            List<Map<String, Object>> out = action.invoke(ActionInput.ofRecords(records)).records();
            assertThat(out).hasSize(2);
            assertThat(out.get(0)).containsAllEntriesOf(records.get(0)).containsEntry("seen", true);
            assertThat(out.get(1)).containsAllEntriesOf(records.get(1)).containsEntry("seen", true);
        }
    }

    @Test
    void concurrentInvocationsUseSeparateContexts() throws Exception {
        // Each run calls this server, which answers only once both runs are inside it: two runs sharing one
        // context could never meet, the first would wait alone.
        java.util.concurrent.CountDownLatch bothInside = new java.util.concurrent.CountDownLatch(2);
        try (LoopbackHttp meeting = new LoopbackHttp("/meet", request -> {
            bothInside.countDown();
            try {
                return bothInside.await(60, java.util.concurrent.TimeUnit.SECONDS) ? "together" : "alone";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        })) {
            byte[] zip = ActionZip.ofMain("""
                    import urllib.request
                    def main(data, logger):
                        met = urllib.request.urlopen("http://127.0.0.1:%d/meet", timeout=120).read().decode()
                        return [{"id": data[0]["id"], "met": met}]
                    """.formatted(meeting.port()));
            ActionSpec spec = ActionSpec.realtime("parallel").withNetwork(true)
                    .withLimits(InvocationLimits.DEFAULT.withTimeout(java.time.Duration.ofMinutes(2)));
            try (LoadedAction action = runner.load(spec, zip)) {
                var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
                try {
                    var first = pool.submit(() -> action.invoke(ActionInput.ofRecords(List.of(Map.of("id", 1)))));
                    var second = pool.submit(() -> action.invoke(ActionInput.ofRecords(List.of(Map.of("id", 2)))));
                    assertThat(first.get().records()).containsExactly(Map.of("id", 1, "met", "together"));
                    assertThat(second.get().records()).containsExactly(Map.of("id", 2, "met", "together"));
                } finally {
                    pool.shutdown();
                }
                assertThat(action.contextsCreated()).isEqualTo(2);
            }
        }
    }
}
