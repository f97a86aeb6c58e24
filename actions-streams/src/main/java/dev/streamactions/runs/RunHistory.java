package dev.streamactions.runs;

import dev.streamactions.definitions.ActionId;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.RunStatus;
import dev.streamactions.schemas.wire.AvroDeserializer;
import dev.streamactions.topics.TopicNames;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recent runs of every action, read from {@code actions.runs} by each instance (every partition,
 * from the beginning, committed records and the {@code Running} announcements): what the API shows as
 * an action's history, last run and status. Keeps the newest {@link #KEPT} runs per action; a run's
 * outcome replaces its {@code Running} record.
 */
public final class RunHistory implements AutoCloseable {
    public static final int KEPT = 100;
    private static final Logger log = LoggerFactory.getLogger(RunHistory.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AvroDeserializer<RunRecord> reader;
    private final Map<ActionId, Deque<RunRecord>> runs = new ConcurrentHashMap<>();
    private final ActionActivity activity = new ActionActivity();
    private final Thread thread;
    private volatile boolean closed;

    public RunHistory(Properties clientProperties, SchemaRegistry registry) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "run-history");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.reader = AvroDeserializer.forClass(registry, RunRecord.class);
        List<TopicPartition> partitions = consumer.partitionsFor(TopicNames.RUNS).stream()
                .map(i -> new TopicPartition(TopicNames.RUNS, i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = Thread.ofPlatform().daemon().name("run-history").start(this::readForever);
    }

    /** The runs of {@code id} this instance has seen, newest first. */
    public List<RunRecord> runs(ActionId id) {
        Deque<RunRecord> kept = runs.get(id);
        if (kept == null) {
            return List.of();
        }
        synchronized (kept) {
            List<RunRecord> newestFirst = new ArrayList<>(kept);
            newestFirst.sort((a, b) -> b.getStartedAt().compareTo(a.getStartedAt()));
            return newestFirst;
        }
    }

    public Optional<RunRecord> lastRun(ActionId id) {
        List<RunRecord> all = runs(id);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** Runs, errors and records per step of every action, from the same run records. */
    public ActionActivity activity() {
        return activity;
    }

    /** Forgets a removed action's runs. */
    public void forget(ActionId id) {
        runs.remove(id);
        activity.forget(id);
    }

    private void readForever() {
        try {
            while (!closed) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        add(reader.deserialize(record.value()));
                    } catch (RuntimeException e) {
                        log.warn("Skipped an unreadable run record at {}-{}@{}: {}", record.topic(), record.partition(),
                                record.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("Reading {} failed; the run history of this instance is frozen", TopicNames.RUNS, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void add(RunRecord run) {
        activity.add(run);
        Deque<RunRecord> kept = runs.computeIfAbsent(new ActionId(run.getOrg(), run.getAction()), k -> new ArrayDeque<>());
        synchronized (kept) {
            RunRecord earlier = kept.stream().filter(r -> r.getRunId().equals(run.getRunId())).findFirst().orElse(null);
            if (earlier != null) {
                // An outcome replaces the announcement; a late announcement does not undo an outcome.
                if (run.getStatus() == RunStatus.Running) {
                    return;
                }
                kept.remove(earlier);
            }
            kept.addLast(run);
            while (kept.size() > KEPT) {
                kept.removeFirst();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
