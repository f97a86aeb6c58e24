package dev.streamactions.app;

import static dev.streamactions.app.StreamsTestKit.define;
import static dev.streamactions.app.StreamsTestKit.produce;
import static dev.streamactions.app.StreamsTestKit.readUntil;
import static dev.streamactions.app.StreamsTestKit.text;
import static dev.streamactions.app.StreamsTestKit.zip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new installation has no log stream yet: the first stream, and every one after it, must join the running
 * streams without a stream thread failing. (Kafka Streams makes a task's sources from the topics that matched
 * when the task was made; before this was handled, the thread died on the first log stream and was replaced.)
 */
class FirstLogStreamTest {

    @Test
    void logStreamsCreatedAfterTheStartRunTheirActionsWithoutAFailedStreamThread(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
                ActionsApplication app = StreamsTestKit.startApp(kafka, dir.resolve("app"), new InMemorySchemaRegistry(),
                        Map.of())) {
            app.awaitRunning(StreamsTestKit.DEADLINE);
            assertThat(StreamsTestKit.metrics(app)).contains("actions_stream_threads_failed_total 0.0",
                    "actions_streams_state{state=\"RUNNING\"} 1.0");
            define(app, "default", "tagged", ActionType.realtime, null, zip("""
                    def main(data, logger):
                        return [dict(r, seen=True) for r in data]
                    """));

            for (String stream : List.of("first", "second")) {
                app.definitions().attach("default", stream, "tagged", null);
                produce(app.bootstrapServers(), "logs.default." + stream,
                        List.of(new String[] {"a", "{\"n\":1}"}, new String[] {"b", "{\"n\":2}"}));
                var out = readUntil(app.bootstrapServers(), "logs.default." + stream + ".tagged", rs -> rs.size() >= 2);
                assertThat(out).extracting(r -> text(r.value()))
                        .containsExactlyInAnyOrder("{\"n\":1,\"seen\":true}", "{\"n\":2,\"seen\":true}");
            }
            assertThat(StreamsTestKit.metrics(app)).contains("actions_stream_threads_failed_total 0.0");
            // Kafka Streams' own count, in JMX as the README says.
            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            Set<ObjectName> clients = jmx.queryNames(new ObjectName("kafka.streams:type=stream-metrics,client-id=*"), null);
            assertThat(clients).isNotEmpty();
            for (ObjectName client : clients) {
                assertThat(jmx.getAttribute(client, "failed-stream-threads")).as(client.toString()).isEqualTo(0.0);
            }
        }
    }
}
