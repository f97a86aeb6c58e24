package dev.streamactions.app;

import static dev.streamactions.app.StreamsTestKit.define;
import static dev.streamactions.app.StreamsTestKit.produce;
import static dev.streamactions.app.StreamsTestKit.readUntil;
import static dev.streamactions.app.StreamsTestKit.zip;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.config.ActionsConfig;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a script sees as {@code ORIGIN_CLUSTER_URL} when the instance's HTTP port is set. The address is then
 * known from the settings, so an action defined before a start loads while the instance is still starting,
 * before its HTTP server is bound; its scripts must still see the address that server then answers on.
 */
class OriginUrlTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anActionLoadedWhileTheInstanceStartsSeesItsConfiguredHttpAddress(@TempDir Path dir) throws Exception {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            // First start (any port): the action is defined and attached, then the instance stops.
            try (ActionsApplication first = start(kafka, dir, registry, "0")) {
                first.awaitRunning(StreamsTestKit.DEADLINE);
                define(first, "default", "where", ActionType.realtime, null, zip("""
                        import os
                        def main(data, logger):
                            return [dict(r, origin=os.environ["ORIGIN_CLUSTER_URL"]) for r in data]
                        """));
                first.definitions().attach("default", "pings", "where", null);
            }

            // Second start on a set port: the stored definition loads during the start.
            String port = StreamsTestKit.freePorts(1).getFirst();
            try (ActionsApplication second = start(kafka, dir, registry, port)) {
                second.awaitRunning(StreamsTestKit.DEADLINE);
                produce(second.bootstrapServers(), "logs.default.pings",
                        List.<String[]>of(new String[] {"p", "{\"n\":1}"}));
                var out = readUntil(second.bootstrapServers(), "logs.default.pings.where", rs -> !rs.isEmpty());

                String expected = "http://localhost:" + port;
                assertThat(JSON.readTree(out.getFirst().value()).get("origin").asText()).isEqualTo(expected);
                assertThat(second.originClusterUrl()).isEqualTo(expected);
            }
        }
    }

    private static ActionsApplication start(EmbeddedKafka kafka, Path dir, InMemorySchemaRegistry registry,
            String httpPort) throws Exception {
        return StreamsTestKit.startApp(kafka, dir.resolve("app"), registry, Map.of(
                ActionsConfig.HTTP_PORT, httpPort,
                ActionsConfig.BATCH_MAX_WAIT_MS, "300"));
    }
}
