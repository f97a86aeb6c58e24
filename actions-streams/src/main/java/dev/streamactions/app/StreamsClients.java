package dev.streamactions.app;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * The Kafka clients of the streams application, made as Kafka Streams' own default makes them, keeping the
 * transactional ids its producers get. Kafka Streams makes each stream thread's producer when it makes the
 * thread (in the {@code KafkaStreams} constructor), with an id that outlives a restart on the same data
 * folder; so a restarted instance knows the ids its crashed predecessor's open transactions run under
 * before it joins the group ({@link JoinWhenLoaded}).
 */
final class StreamsClients implements KafkaClientSupplier {

    private final List<String> transactionalIds = new CopyOnWriteArrayList<>();

    /** The transactional ids of the producers made so far, in the order they were made. */
    List<String> transactionalIds() {
        return List.copyOf(transactionalIds);
    }

    @Override
    public Admin getAdmin(Map<String, Object> config) {
        return Admin.create(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        Object id = config.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        if (id != null) {
            transactionalIds.add(id.toString());
        }
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return getConsumer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        return getConsumer(config);
    }
}
