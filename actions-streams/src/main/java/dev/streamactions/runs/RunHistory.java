package dev.streamactions.runs;

import dev.streamactions.definitions.ActionId;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.RunStatus;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.schemas.wire.AvroDeserializer;
import dev.streamactions.topics.TopicNames;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runs of every action, read from {@code actions.runs} by each instance (every partition, committed
 * records and the {@code Running} announcements) into an index on its disk ({@link RunIndex}): what the
 * API pages through as an action's history, its last run and status. A restart reads on from where the
 * index stopped, so start-up does not grow with the topic. A run's outcome replaces its {@code Running}
 * record; runs older than the retention of {@code actions.runs} are swept from the index as the broker
 * deletes them from the topic.
 */
public final class RunHistory implements AutoCloseable {
    /** The largest page the history answers. */
    public static final int MAX_PAGE = 500;
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(1);
    private static final int SWEEP_MOST = 10_000;
    private static final Logger log = LoggerFactory.getLogger(RunHistory.class);

    /** Which runs of an action a page holds: any filter may be null; {@code before} is a previous page's cursor. */
    public record Query(RunStatus status, Trigger trigger, Integer version, String before, int limit) {
        public static final int DEFAULT_LIMIT = 50;

        public static Query newest(int limit) {
            return new Query(null, null, null, null, limit);
        }
    }

    /** Runs newest first, and the cursor of the next (older) page when there is one. */
    public record Page(List<RunRecord> runs, Optional<String> next) {}

    private final RunIndex index;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AvroDeserializer<RunRecord> reader;
    private final ActionActivity activity = new ActionActivity();
    private final Duration retention;
    private final Clock clock;
    private final Map<TopicPartition, Long> endAtOpen;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean closed;

    /**
     * Opens the index in {@code dir} and starts reading {@code actions.runs} from where it stopped.
     *
     * @param retention how long runs are kept: the retention of {@code actions.runs}
     */
    public RunHistory(Properties clientProperties, SchemaRegistry registry, Path dir, Duration retention,
            Clock clock) {
        this.retention = retention;
        this.clock = clock;
        this.reader = AvroDeserializer.forClass(registry, RunRecord.class);
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "run-history");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.index = RunIndex.open(dir);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(TopicNames.RUNS).stream()
                    .map(i -> new TopicPartition(TopicNames.RUNS, i.partition())).toList();
            consumer.assign(partitions);
            this.endAtOpen = consumer.endOffsets(partitions);
            Map<Integer, Long> stored = index.offsets();
            // An index ahead of the topic describes records that are gone: the topic was deleted and created again.
            boolean stale = partitions.stream().anyMatch(tp -> stored.getOrDefault(tp.partition(), 0L) > endAtOpen.get(tp));
            if (stale) {
                log.warn("The run history index in {} is ahead of {} (the topic was created again); rebuilding it",
                        dir, TopicNames.RUNS);
                index.clear();
                stored.clear();
            }
            for (TopicPartition tp : partitions) {
                Long next = stored.get(tp.partition());
                if (next == null) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seek(tp, next);
                }
            }
            countRecentActivity();
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            index.close();
            throw e;
        }
        this.thread = Thread.ofPlatform().daemon().name("run-history").start(this::readForever);
    }

    /** A page of the runs of {@code id}, newest first. */
    public Page runs(ActionId id, Query query) {
        if (query.limit() < 1 || query.limit() > MAX_PAGE) {
            throw new IllegalArgumentException("limit must be from 1 to " + MAX_PAGE + ", not " + query.limit());
        }
        byte[] before = query.before() == null ? null : RunIndex.position(query.before());
        RunIndex.Filter filter = new RunIndex.Filter(query.status() == null ? null : query.status().name(),
                query.trigger() == null ? null : query.trigger().name(), query.version());
        try {
            RunIndex.Page page = index.page(id, filter, before, query.limit());
            return new Page(page.runs().stream().map(reader::deserialize).toList(), page.next().map(RunIndex::cursor));
        } catch (RocksDBException e) {
            throw new IllegalStateException("the run history index cannot be read: " + e.getMessage(), e);
        }
    }

    public Optional<RunRecord> lastRun(ActionId id) {
        List<RunRecord> newest = runs(id, Query.newest(1)).runs();
        return newest.isEmpty() ? Optional.empty() : Optional.of(newest.getFirst());
    }

    /** Runs, errors and records per step of every action, from the same run records. */
    public ActionActivity activity() {
        return activity;
    }

    /** Whether this instance has read every run record that was in the topic when it opened. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Forgets a removed action's runs. */
    public void forget(ActionId id) {
        try {
            index.forget(id);
        } catch (RocksDBException e) {
            throw new IllegalStateException("the run history index cannot be written: " + e.getMessage(), e);
        }
        activity.forget(id);
    }

    /** The activity buckets reach back 30 minutes; a run that ended then may have started up to a timeout earlier. */
    private void countRecentActivity() {
        long since = clock.millis() - ActionActivity.KEPT.toMillis() - Duration.ofHours(1).toMillis();
        try {
            for (byte[] record : index.startedSince(since)) {
                activity.add(reader.deserialize(record));
            }
        } catch (RocksDBException | RuntimeException e) {
            log.warn("Could not count the recent activity from the run history index: {}", e.getMessage());
        }
    }

    private void readForever() {
        long nextSweep = 0;
        try {
            while (!closed) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    file(records);
                }
                if (caughtUp.getCount() > 0 && endAtOpen.entrySet().stream()
                        .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    caughtUp.countDown();
                }
                if (clock.millis() >= nextSweep) {
                    int removed = index.sweep(clock.millis() - retention.toMillis(), SWEEP_MOST);
                    // A full sweep may have left more behind: go on at the next poll instead of in a minute.
                    nextSweep = removed == SWEEP_MOST ? 0 : clock.millis() + SWEEP_EVERY.toMillis();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException | RocksDBException e) {
            log.error("Reading {} into the run history failed; the run history of this instance is frozen",
                    TopicNames.RUNS, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void file(ConsumerRecords<byte[], byte[]> records) throws RocksDBException {
        Map<Integer, Long> next = new HashMap<>();
        try (RunIndex.Batch batch = index.batch()) {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                next.put(record.partition(), record.offset() + 1);
                RunRecord run;
                RunIndex.Entry entry;
                try {
                    run = reader.deserialize(record.value());
                    entry = new RunIndex.Entry(new ActionId(run.getOrg(), run.getAction()), run.getRunId(),
                            run.getStartedAt().toEpochMilli(), record.offset(), run.getStatus().name(),
                            run.getTrigger().name(),
                            run.getVersion());
                } catch (RuntimeException e) {
                    log.warn("Skipped an unreadable run record at {}-{}@{}: {}", record.topic(), record.partition(),
                            record.offset(), e.getMessage());
                    continue;
                }
                if (batch.put(entry, run.getStatus() == RunStatus.Running, record.value())) {
                    activity.add(run);
                }
            }
            for (var e : next.entrySet()) {
                batch.offset(e.getKey(), e.getValue());
            }
            batch.write();
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
        if (!thread.isAlive()) {
            index.close();
        }
    }
}
