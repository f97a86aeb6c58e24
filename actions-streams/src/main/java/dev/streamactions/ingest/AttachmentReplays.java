package dev.streamactions.ingest;

import dev.streamactions.definitions.ActionDefinitions;
import dev.streamactions.runs.BatchingProcessor.Origin;
import dev.streamactions.schemas.definitions.StreamAttachment;
import dev.streamactions.topics.TopicNames;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays to attachments that started before their stream's end ({@code earliest} or a time) the records
 * from their start up to their cutover, copying them once into {@code actions.replay} for the topology to
 * run on that attachment alone.
 *
 * <p>Every instance runs a member of each unfinished replay's consumer group
 * ({@code actions-replay.<replay_id>}), so the group spreads the partitions over the instances and hands
 * a dead member's partitions on. A member writes its copies and its group's offsets in one transaction,
 * fenced by the group's generation (KIP-447), so a partition is copied once even across crashes and
 * rebalances. When every partition's offset has reached the cutover the attachment is marked replayed
 * and no member starts for it again.
 */
public final class AttachmentReplays implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AttachmentReplays.class);
    private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);
    private static final Duration DONE_CHECK = Duration.ofSeconds(1);

    private final Properties clientProperties;
    private final String instanceId;
    private final ActionDefinitions definitions;
    /** The replays this instance takes part in, by replay id. */
    private final Map<String, Replay> running = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private AttachmentReplays(Properties clientProperties, String instanceId, ActionDefinitions definitions) {
        this.clientProperties = clientProperties;
        this.instanceId = instanceId;
        this.definitions = definitions;
    }

    /** Joins every unfinished replay, and each one an attachment starts from now on. */
    public static AttachmentReplays start(Properties clientProperties, String instanceId,
            ActionDefinitions definitions) {
        AttachmentReplays replays = new AttachmentReplays(clientProperties, instanceId, definitions);
        definitions.listenAttachments((key, before, after) -> replays.changed(before, after));
        definitions.allAttachments().forEach(a -> replays.changed(null, a));
        return replays;
    }

    private synchronized void changed(StreamAttachment before, StreamAttachment after) {
        if (closed) {
            return;
        }
        if (before != null && before.getReplayId() != null
                && (after == null || !before.getReplayId().equals(after.getReplayId()))) {
            Replay stale = running.remove(before.getReplayId());
            if (stale != null) {
                stale.stop();
            }
        }
        if (after != null && after.getReplayId() != null && !after.getReplayed()
                && !running.containsKey(after.getReplayId())) {
            Replay replay = new Replay(after);
            running.put(after.getReplayId(), replay);
            replay.thread = Thread.ofPlatform().daemon().name("replay-" + after.getReplayId()).start(replay::run);
        }
    }

    /** Whether this instance still takes part in a replay of {@code attachment}. */
    public boolean replaying(StreamAttachment attachment) {
        return attachment.getReplayId() != null && running.containsKey(attachment.getReplayId());
    }

    @Override
    public void close() {
        List<Replay> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(running.values());
            running.clear();
        }
        all.forEach(Replay::stop);
        all.forEach(Replay::join);
    }

    /** This instance's member of one attachment's replay. */
    private final class Replay {
        private final StreamAttachment attachment;
        private final String topic;
        private final String target;
        private final Map<TopicPartition, Long> from = new HashMap<>();
        private final Map<TopicPartition, Long> until = new HashMap<>();
        private volatile boolean stopped;
        private volatile KafkaConsumer<byte[], byte[]> consumer;
        private Thread thread;

        Replay(StreamAttachment attachment) {
            this.attachment = attachment;
            this.topic = TopicNames.logStream(attachment.getOrg(), attachment.getStream());
            this.target = attachment.getOrg() + "/" + attachment.getStream() + "/" + attachment.getAction();
            attachment.getReplayFrom().forEach((p, offset) -> {
                TopicPartition tp = new TopicPartition(topic, Integer.parseInt(p));
                from.put(tp, offset);
                until.put(tp, attachment.getCutover().getOrDefault(p, offset));
            });
        }

        void run() {
            while (!stopped) {
                try {
                    if (copy()) {
                        definitions.markReplayed(attachment);
                        log.info("Replayed {} up to its cutover {} for attachment {}", topic, attachment.getCutover(),
                                target);
                        running.remove(attachment.getReplayId(), this);
                        return;
                    }
                } catch (WakeupException | InterruptException e) {
                    // stopping
                } catch (Exception e) {
                    if (stopped) {
                        return;
                    }
                    // Fresh clients resume from the group's committed offsets: nothing copied twice.
                    log.warn("Replay of {} for {} failed ({}); resuming in {}", topic, target, e.toString(),
                            RETRY_BACKOFF);
                    try {
                        Thread.sleep(RETRY_BACKOFF);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            }
        }

        /** Copies this member's partitions until the whole group is done; answers false when stopped first. */
        private boolean copy() throws InterruptedException {
            String group = "actions-replay." + attachment.getReplayId();
            Properties c = new Properties();
            c.putAll(clientProperties);
            c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            c.put(ConsumerConfig.CLIENT_ID_CONFIG, group + "-" + instanceId);
            c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            // Records already gone by retention are skipped: there is nothing left to replay of them.
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            Properties p = new Properties();
            p.putAll(clientProperties);
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, group + "." + instanceId);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, group + "-" + instanceId);
            try (var consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                    var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                this.consumer = consumer;
                if (stopped) {
                    return false;
                }
                if (done(consumer)) {
                    return true;
                }
                producer.initTransactions();
                int copyPartitions = producer.partitionsFor(TopicNames.REPLAY).size();
                Map<TopicPartition, Long> copied = new HashMap<>();
                consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        var committed = consumer.committed(new HashSet<>(partitions));
                        consumer.pause(partitions.stream().filter(tp -> !from.containsKey(tp)).toList());
                        for (TopicPartition tp : partitions) {
                            if (!from.containsKey(tp)) {
                                continue;
                            }
                            OffsetAndMetadata at = committed.get(tp);
                            long position = at != null ? at.offset() : from.get(tp);
                            copied.put(tp, position);
                            consumer.seek(tp, position);
                        }
                    }

                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        partitions.forEach(copied::remove);
                    }
                });
                long nextDoneCheck = System.nanoTime();
                while (!stopped) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                    for (TopicPartition tp : consumer.assignment()) {
                        if (!from.containsKey(tp)) {
                            continue;
                        }
                        long position = Math.min(consumer.position(tp), until.get(tp));
                        if (position > copied.getOrDefault(tp, Long.MAX_VALUE)) {
                            offsets.put(tp, new OffsetAndMetadata(position));
                        }
                    }
                    if (!offsets.isEmpty()) {
                        producer.beginTransaction();
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                            if (r.offset() < until.getOrDefault(tp, 0L)) {
                                var copy = new ProducerRecord<>(TopicNames.REPLAY, r.partition() % copyPartitions,
                                        null, r.key(), r.value());
                                new ReplayedRecord(target, attachment.getReplayId(),
                                        new Origin(r.topic(), r.partition(), r.offset()), r.timestamp())
                                        .writeTo(copy.headers());
                                producer.send(copy);
                            }
                        }
                        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                        producer.commitTransaction();
                        offsets.forEach((tp, at) -> copied.put(tp, at.offset()));
                    }
                    // A partition copied up to its cutover has nothing more to give.
                    List<TopicPartition> finished = consumer.assignment().stream()
                            .filter(tp -> !from.containsKey(tp) || copied.getOrDefault(tp, 0L) >= until.get(tp))
                            .toList();
                    consumer.pause(finished);
                    if (System.nanoTime() >= nextDoneCheck) {
                        if (done(consumer)) {
                            return true;
                        }
                        nextDoneCheck = System.nanoTime() + DONE_CHECK.toNanos();
                    }
                }
                return false;
            } finally {
                this.consumer = null;
            }
        }

        /** Whether the group has copied every partition up to its cutover, on whichever instance. */
        private boolean done(KafkaConsumer<byte[], byte[]> consumer) {
            var committed = consumer.committed(from.keySet(), Duration.ofSeconds(10));
            return from.keySet().stream().allMatch(tp -> {
                OffsetAndMetadata at = committed.get(tp);
                return at != null && at.offset() >= until.get(tp);
            });
        }

        void stop() {
            stopped = true;
            KafkaConsumer<byte[], byte[]> current = consumer;
            if (current != null) {
                current.wakeup();
            }
        }

        void join() {
            if (thread != null) {
                try {
                    thread.join(Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
