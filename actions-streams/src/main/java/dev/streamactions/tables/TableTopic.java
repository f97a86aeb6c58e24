package dev.streamactions.tables;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compacted topic read whole into memory by every instance, and written through: the way the
 * application keeps what every instance must agree on (action definitions, attachments, identities,
 * schemas), as Kafka's own Schema Registry keeps {@code _schemas}.
 *
 * <p>A reader thread assigns itself every partition (no consumer group: each instance reads all) and
 * applies records in order; a {@code null} value (tombstone) removes the key. {@link #put} returns
 * only when this instance's view holds the write, so a caller reads its own writes. Listeners hear
 * every change on the reader thread, in order.
 *
 * <p>Values that cannot be read are logged and skipped (a table must not stop on one bad record);
 * their key keeps its earlier value.
 */
public final class TableTopic<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TableTopic.class);
    private static final Duration POLL = Duration.ofMillis(200);

    /** Hears each change: {@code before} or {@code after} is {@code null} for an addition or a removal. */
    @FunctionalInterface
    public interface Listener<K, V> {
        void changed(K key, V before, V after);
    }

    /** How keys and values of the topic become bytes and back. */
    public record Codec<K, V>(Function<K, byte[]> keyWriter, Function<byte[], K> keyReader,
            Function<V, byte[]> valueWriter, Function<byte[], V> valueReader) {}

    private final String topic;
    private final Codec<K, V> codec;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<K, V> rows = new ConcurrentHashMap<>();
    private final List<Listener<K, V>> listeners = new CopyOnWriteArrayList<>();
    private final Object progress = new Object();
    /** Next offset to read, per partition; guarded by {@link #progress}. */
    private final Map<Integer, Long> positions = new HashMap<>();
    private final Thread reader;
    /**
     * Asks for the topic's end offsets on behalf of {@link #catchUp}: the reader's consumer belongs to
     * the reader thread (Kafka consumers are not thread-safe). Created on first use, guarded by itself.
     */
    private KafkaConsumer<byte[], byte[]> endOffsetsConsumer;
    private final Properties consumerProperties;
    private volatile boolean closed;
    private volatile RuntimeException failure;

    /**
     * @param clientProperties at least {@code bootstrap.servers}; other client settings (security)
     *     are passed on to the consumer and the producer
     */
    public TableTopic(String topic, Properties clientProperties, Codec<K, V> codec) {
        this.topic = Objects.requireNonNull(topic);
        this.codec = Objects.requireNonNull(codec);
        Properties consumerProps = new Properties();
        consumerProps.putAll(clientProperties);
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "table-" + topic);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.consumerProperties = consumerProps;
        Properties producerProps = new Properties();
        producerProps.putAll(clientProperties);
        producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, "table-writer-" + topic);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        this.producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        this.reader = Thread.ofPlatform().daemon().name("table-" + topic).unstarted(this::readForever);
    }

    public String topic() {
        return topic;
    }

    /** Adds a listener; call before {@link #start} to hear the whole topic. */
    public TableTopic<K, V> listen(Listener<K, V> listener) {
        listeners.add(listener);
        return this;
    }

    /**
     * Starts reading and returns when the view holds everything the topic held at the call (the topic
     * must exist), or throws {@link TimeoutException} after {@code timeout}.
     */
    public TableTopic<K, V> start(Duration timeout) throws TimeoutException {
        // A topic created a moment ago may not be in the broker's metadata yet (KRaft propagates it
        // asynchronously; seen on a loaded machine): ask again until the deadline before giving up.
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TopicPartition> partitions = List.of();
        while (true) {
            partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            if (!partitions.isEmpty() || System.nanoTime() > deadline) {
                break;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for topic " + topic, e);
            }
        }
        if (partitions.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
        synchronized (progress) {
            partitions.forEach(p -> positions.put(p.partition(), 0L));
        }
        reader.start();
        awaitOffsets(ends, timeout);
        return this;
    }

    /**
     * Returns when the view holds everything the topic held at the call, including what other instances
     * wrote; for a caller that must decide on the newest state (a registration, a lookup that missed).
     */
    public void catchUp(Duration timeout) throws TimeoutException {
        Map<TopicPartition, Long> ends;
        synchronized (consumerProperties) {
            if (closed) {
                throw new IllegalStateException("the table " + topic + " is closed");
            }
            if (endOffsetsConsumer == null) {
                Properties props = new Properties();
                props.putAll(consumerProperties);
                props.put(ConsumerConfig.CLIENT_ID_CONFIG, "table-offsets-" + topic);
                endOffsetsConsumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            }
            List<TopicPartition> partitions;
            synchronized (progress) {
                partitions = positions.keySet().stream().map(p -> new TopicPartition(topic, p)).toList();
            }
            try {
                ends = endOffsetsConsumer.endOffsets(partitions, timeout);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw new TimeoutException("Kafka did not tell the end of " + topic + " within " + timeout);
            }
        }
        awaitOffsets(ends, timeout);
    }

    /** The value of {@code key} in this instance's view. */
    public Optional<V> get(K key) {
        return Optional.ofNullable(rows.get(key));
    }

    /** A copy of the whole view. */
    public Map<K, V> snapshot() {
        return Map.copyOf(rows);
    }

    /** Writes {@code value} ({@code null} removes the key) and returns when this view holds it. */
    public void put(K key, V value, Duration timeout) throws TimeoutException {
        byte[] keyBytes = codec.keyWriter().apply(key);
        byte[] valueBytes = value == null ? null : codec.valueWriter().apply(value);
        RecordMetadata written;
        try {
            written = producer.send(new ProducerRecord<>(topic, keyBytes, valueBytes))
                    .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while writing to " + topic, e);
        } catch (ExecutionException e) {
            throw new KafkaException("could not write to " + topic + ": " + e.getCause().getMessage(), e.getCause());
        }
        awaitOffsets(Map.of(new TopicPartition(topic, written.partition()), written.offset() + 1), timeout);
    }

    /** Removes {@code key}. */
    public void remove(K key, Duration timeout) throws TimeoutException {
        put(key, null, timeout);
    }

    private void awaitOffsets(Map<TopicPartition, Long> targets, Duration timeout) throws TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (!reached(targets)) {
                if (failure != null) {
                    throw new IllegalStateException("reading " + topic + " failed: " + failure.getMessage(), failure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("the view of " + topic + " did not catch up within " + timeout);
                }
                try {
                    progress.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TimeoutException("interrupted while waiting for " + topic);
                }
            }
        }
    }

    private boolean reached(Map<TopicPartition, Long> targets) {
        for (Map.Entry<TopicPartition, Long> target : targets.entrySet()) {
            if (positions.getOrDefault(target.getKey().partition(), 0L) < target.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void readForever() {
        try {
            while (!closed) {
                var records = consumer.poll(POLL);
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    apply(record);
                }
                Map<Integer, Long> read = new HashMap<>();
                for (TopicPartition partition : consumer.assignment()) {
                    // The position moves past transaction markers too, which records alone would not show.
                    read.put(partition.partition(), consumer.position(partition));
                }
                synchronized (progress) {
                    positions.putAll(read);
                    progress.notifyAll();
                }
            }
        } catch (WakeupException e) {
            if (!closed) {
                failure = e;
            }
        } catch (RuntimeException e) {
            log.error("Reading the table topic {} failed; this instance's view of it is frozen", topic, e);
            failure = e;
        } finally {
            synchronized (progress) {
                progress.notifyAll();
            }
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        K key;
        V value;
        try {
            key = codec.keyReader().apply(record.key());
            value = record.value() == null ? null : codec.valueReader().apply(record.value());
        } catch (RuntimeException e) {
            log.warn("Skipped an unreadable record of {} at partition {} offset {}: {}",
                    topic, record.partition(), record.offset(), e.getMessage());
            return;
        }
        V before = value == null ? rows.remove(key) : rows.put(key, value);
        if (before == null && value == null) {
            return;
        }
        for (Listener<K, V> listener : new ArrayList<>(listeners)) {
            try {
                listener.changed(key, before, value);
            } catch (RuntimeException e) {
                log.error("A listener of {} failed on key {}", topic, key, e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        if (!reader.isAlive() && reader.getState() == Thread.State.NEW) {
            consumer.close(Duration.ofSeconds(5));
            producer.close(Duration.ofSeconds(5));
            return;
        }
        synchronized (consumerProperties) {
            if (endOffsetsConsumer != null) {
                endOffsetsConsumer.close(Duration.ofSeconds(5));
            }
        }
        consumer.wakeup();
        try {
            reader.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
