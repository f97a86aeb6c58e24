package dev.streamactions.ingestion;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamactions.config.ActionsConfig;
import dev.streamactions.http.JsonBodies;
import dev.streamactions.topics.TopicAdmin;
import dev.streamactions.topics.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes ingested log records to {@code logs.<org>.<stream>}, creating the topic when it is missing, and
 * returns only when Kafka stored them (acks=all): an answer of success means the records are there.
 */
public final class LogIngestion implements AutoCloseable {

    /** What ingestion needs from the configuration. */
    public record Settings(int partitions, short replication, Duration timeout) {
        public static Settings from(ActionsConfig config) {
            return new Settings(config.getInt(ActionsConfig.TOPIC_PARTITIONS),
                    config.getShort(ActionsConfig.TOPIC_REPLICATION), config.duration(ActionsConfig.INGEST_TIMEOUT_MS));
        }
    }

    /** How a batch went: records Kafka stored, and the reasons of the others. */
    public record Result(int successful, List<String> failures) {
        public int failed() {
            return failures.size();
        }
    }

    private final TopicAdmin admin;
    private final Settings settings;
    private final KafkaProducer<byte[], byte[]> producer;
    /** Topics known to exist, so a hot stream does not ask the cluster on every request. */
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    public LogIngestion(Properties clientProperties, TopicAdmin admin, Settings settings) {
        this.admin = admin;
        this.settings = settings;
        long timeout = settings.timeout().toMillis();
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "log-ingestion");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // A request may not wait longer than its own deadline; Kafka wants delivery >= linger + request.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(timeout));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(500, timeout - 10)));
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Writes {@code records} in order (no key) and waits until Kafka stored each or gave up on it. */
    public Result ingest(String org, String stream, List<ObjectNode> records) {
        String topic = TopicNames.logStream(org, stream);
        if (records.isEmpty()) {
            return new Result(0, List.of());
        }
        if (!known.contains(topic)) {
            try {
                admin.ensure(List.of(TopicAdmin.events(topic, settings.partitions(), settings.replication())));
            } catch (KafkaException e) {
                return new Result(0, List.of("could not create topic " + topic + ": " + e.getMessage()));
            }
            known.add(topic);
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        for (ObjectNode record : records) {
            sent.add(producer.send(new ProducerRecord<>(topic, null, bytes(record))));
        }
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        int successful = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            try {
                sent.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                successful++;
            } catch (ExecutionException e) {
                failures.add("record " + i + ": Kafka did not store it: " + e.getCause().getMessage());
            } catch (TimeoutException e) {
                failures.add("record " + i + ": Kafka did not confirm it within " + settings.timeout());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.add("record " + i + ": interrupted while waiting for Kafka");
            }
        }
        return new Result(successful, failures);
    }

    private static byte[] bytes(ObjectNode record) {
        try {
            return JsonBodies.MAPPER.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always writes", e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
