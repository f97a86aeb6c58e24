package dev.streamactions.registry;

import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.schemas.registry.RestSchemaRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/** A real broker, the built-in registry on it, its REST server on a free port, and a client of that server. */
final class RegistryFixture implements AutoCloseable {
    final EmbeddedKafka kafka;
    final Properties clientProperties = new Properties();
    final TopicSchemaRegistry registry;
    final SchemaRegistryServer server;
    final RestSchemaRegistry client;

    RegistryFixture(Path dataDir) {
        kafka = EmbeddedKafka.start(dataDir.resolve("kafka"), 0);
        clientProperties.put("bootstrap.servers", kafka.bootstrapServers());
        registry = TopicSchemaRegistry.start(clientProperties, (short) 1, Duration.ofSeconds(30));
        server = SchemaRegistryServer.start(registry, "localhost", 0);
        client = RestSchemaRegistry.of(server.url());
    }

    @Override
    public void close() {
        server.close();
        registry.close();
        kafka.close();
    }
}
