package dev.streamactions.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The stream threads' 6 s session is the least a broker accepts by default; a cluster set to accept only
 * longer ones refuses them. The instance then stops its streams with one error that names the setting to
 * change, instead of replacing the refused thread forever; with that setting changed it runs.
 */
class RefusedSessionTimeoutTest {

    @Test
    void aRefusedSessionTimeoutStopsTheStreamsWithAnErrorThatNamesTheSetting(@TempDir Path dir) throws Exception {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        Logger logger = (Logger) LoggerFactory.getLogger(ActionsApplication.class);
        logger.addAppender(logged);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, 0, Duration.ofSeconds(60),
                Map.of("group.min.session.timeout.ms", "10000"))) {
            try (ActionsApplication app = StreamsTestKit.startApp(kafka, dir.resolve("app"), registry, Map.of())) {
                await().atMost(StreamsTestKit.DEADLINE).until(() -> app.streamsState() == KafkaStreams.State.ERROR);
                assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.ERROR)
                        .extracting(ILoggingEvent::getFormattedMessage)
                        .anySatisfy(m -> assertThat(m).contains("refuses the stream threads' session timeout of 6000 ms")
                                .contains("streams.consumer.session.timeout.ms"))
                        .noneSatisfy(m -> assertThat(m).contains("replacing it"));
                // The HTTP API stays up and tells an operator.
                assertThat(StreamsTestKit.metrics(app)).contains("actions_streams_state{state=\"ERROR\"} 1.0",
                        "actions_streams_state{state=\"RUNNING\"} 0.0");
            }

            // What the error says to do.
            try (ActionsApplication app = StreamsTestKit.startApp(kafka, dir.resolve("app"), registry,
                    Map.of("streams.consumer.session.timeout.ms", "10000"))) {
                app.awaitRunning(StreamsTestKit.DEADLINE);
            }
        } finally {
            logger.detachAppender(logged);
        }
    }
}
