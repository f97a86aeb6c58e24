package dev.streamactions.runs;

import dev.streamactions.definitions.ActionId;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.registry.SubjectNames;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.wire.AvroSerializer;
import dev.streamactions.topics.TopicNames;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code Running} run records at once, outside the stream's transaction: the outcome of a run is
 * committed with its input, so without this a run would only be seen when it had ended. If the
 * transaction is then aborted, the run is simply seen starting twice.
 */
public final class RunAnnouncer implements Consumer<RunRecord>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunAnnouncer.class);

    private final KafkaProducer<String, byte[]> producer;
    private final AvroSerializer<RunRecord> serializer;
    private final String subject = SubjectNames.value(TopicNames.RUNS);

    public RunAnnouncer(Properties clientProperties, SchemaRegistry registry) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "run-announcer");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        this.serializer = new AvroSerializer<>(registry);
    }

    @Override
    public void accept(RunRecord record) {
        write(record);
    }

    /**
     * Writes any run record (also the outcome of a run that is not part of a stream's transaction, such
     * as a manual one); completes when Kafka has stored it.
     */
    public CompletableFuture<Void> write(RunRecord record) {
        String key = new ActionId(record.getOrg(), record.getAction()).toString();
        CompletableFuture<Void> written = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(TopicNames.RUNS, key, serializer.serialize(subject, record)),
                (metadata, error) -> {
                    if (error != null) {
                        log.warn("Could not write run {} of {}: {}", record.getRunId(), key, error.getMessage());
                        written.completeExceptionally(error);
                    } else {
                        written.complete(null);
                    }
                });
        return written;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
