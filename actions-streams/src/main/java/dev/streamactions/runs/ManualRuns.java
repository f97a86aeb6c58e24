package dev.streamactions.runs;

import dev.streamactions.definitions.ActionId;
import dev.streamactions.runner.ActionInput;
import dev.streamactions.runner.ActionResult;
import dev.streamactions.runner.ActionRunException;
import dev.streamactions.runner.LogLine;
import dev.streamactions.schemas.definitions.ActionDefinition;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.logs.LogRecords;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.schemas.wire.MalformedRecordException;
import dev.streamactions.topics.TopicNames;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Runs an action once, now, as OpenObserve's Logs page does: over the records a log stream holds in a
 * time window, or over records given inline (a scheduled action: {@code main()} with no data). The
 * answer holds what the action returned; nothing goes to output topics. Every run checks the service
 * account's permission first, exactly as the streams do, and is written to {@code actions.runs} with
 * the trigger {@code manual}.
 */
public final class ManualRuns {

    /**
     * @param maxRecords the most records a window run hands to the action (the earliest ones by time);
     *                   the answer says when a window held more
     * @param readTimeout how long reading a window may take before the run is given up (503)
     * @param loadTimeout how long to wait for an action version that is still being loaded
     */
    public record Settings(int maxRecords, Duration readTimeout, Duration loadTimeout) {
        /** 10,000 records: a page of the Logs UI is far smaller, and the whole batch crosses into Python at once. */
        public static final Settings DEFAULT = new Settings(10_000, Duration.ofSeconds(30), Duration.ofMinutes(2));
    }

    /** What to run the action on. */
    public sealed interface Input {}

    /** The records of {@code logs.<org>.<stream>} whose timestamps fall in [start, end), in microseconds. */
    public record Window(String stream, long startMicros, long endMicros) implements Input {
        public Window {
            if (!TopicNames.NAME.matcher(stream).matches()) {
                throw new IllegalArgumentException("'" + stream + "' is not a valid stream name: use letters, digits"
                        + " or '_'");
            }
            if (startMicros < 0 || endMicros <= startMicros) {
                throw new IllegalArgumentException("the window needs 0 <= start_time < end_time (microseconds since"
                        + " the epoch); got start_time " + startMicros + ", end_time " + endMicros);
            }
        }
    }

    /** Records given with the request (JSON object texts). */
    public record Data(List<String> records) implements Input {}

    /** No input: how a scheduled action runs. */
    public record Nothing() implements Input {}

    /**
     * The outcome.
     *
     * @param records   what the action returned, JSON object texts
     * @param capped    whether the window held more records than were run on
     * @param skipped   records of the window that were not log records (neither JSON objects nor Avro)
     * @param error     why the run failed; null when it completed
     */
    public record Outcome(String runId, ActionDefinition definition, boolean completed, List<String> records,
            List<LogLine> logs, String error, long recordsIn, boolean capped, int skipped) {}

    /** The stream has no topic: nothing was ever ingested into it. */
    public static final class NoSuchStream extends RuntimeException {
        NoSuchStream(String message) {
            super(message);
        }
    }

    private final Properties clientProperties;
    private final LogRecords logRecords;
    private final LoadedActions actions;
    private final ScriptAccess access;
    private final RunAnnouncer runs;
    private final Settings settings;

    public ManualRuns(Properties clientProperties, SchemaRegistry registry, LoadedActions actions, ScriptAccess access,
            RunAnnouncer runs, Settings settings) {
        this.clientProperties = clientProperties;
        this.logRecords = LogRecords.reader(registry);
        this.actions = actions;
        this.access = access;
        this.runs = runs;
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Runs {@code definition}'s action once on {@code input} and writes the run record.
     *
     * @throws IllegalArgumentException when the input does not suit the action's type
     * @throws NoSuchStream when the window's stream does not exist
     * @throws TimeoutException when Kafka or the action's loading took too long (worth a retry)
     */
    public Outcome run(ActionDefinition definition, Input input) throws TimeoutException, InterruptedException {
        ActionId id = new ActionId(definition.getOrg(), definition.getName());
        boolean scheduled = definition.getType() == ActionType.scheduled;
        if (scheduled && !(input instanceof Nothing)) {
            throw new IllegalArgumentException("action " + id.name() + " is scheduled: its main() takes no data, so"
                    + " send {} (no 'data', no 'stream')");
        }
        if (!scheduled && input instanceof Nothing) {
            throw new IllegalArgumentException("action " + id.name() + " is realtime: send {\"data\": [records]} or"
                    + " {\"stream\": …, \"start_time\": µs, \"end_time\": µs}");
        }
        String runId = UUID.randomUUID().toString();
        Instant started = Instant.now();
        // As in the streams: no permission, no fetching and no running, whatever the input.
        var refusal = access.refusal(id.org(), definition.getServiceAccount());
        if (refusal.isPresent()) {
            return errored(runId, definition, started, 0, List.of(), "service account "
                    + definition.getServiceAccount() + " may not fetch the script of " + id.name() + ": "
                    + refusal.get(), false, 0);
        }
        List<String> records = List.of();
        boolean capped = false;
        int skipped = 0;
        switch (input) {
            case Data data -> records = data.records();
            case Window window -> {
                WindowRecords read = read(id.org(), window);
                records = read.records();
                capped = read.capped();
                skipped = read.skipped();
            }
            case Nothing nothing -> { }
        }
        LoadedActions.Lookup lookup = actions.await(id, settings.loadTimeout());
        ActionDefinition running = definition;
        switch (lookup) {
            case LoadedActions.Missing missing -> throw new TimeoutException("action " + id.name()
                    + " is not loaded on this instance yet; try again in a moment");
            case LoadedActions.Loading loading -> throw new TimeoutException("version " + loading.definition()
                    .getVersion() + " of action " + id.name() + " is still loading after " + settings.loadTimeout());
            case LoadedActions.Broken broken -> {
                return errored(runId, broken.definition(), started, records.size(), List.of(),
                        "action " + id.name() + " cannot run: " + broken.reason(), capped, skipped);
            }
            case LoadedActions.Ready ready -> {
                running = ready.definition();
                String token;
                try {
                    token = access.originToken(id.org(), running.getServiceAccount());
                } catch (RuntimeException e) {
                    return errored(runId, running, started, records.size(), List.of(), "cannot issue"
                            + " ORIGIN_CLUSTER_TOKEN for " + running.getServiceAccount() + ": " + e.getMessage(),
                            capped, skipped);
                }
                ActionInput actionInput = scheduled ? ActionInput.none() : ActionInput.ofJsonObjects(records);
                runs.accept(RunRecords.running(id, running.getVersion(), Trigger.manual, runId, started, records.size()));
                try {
                    ActionResult result = ready.action().invoke(actionInput, runId, Map.of("ORIGIN_CLUSTER_TOKEN", token));
                    write(RunRecords.completed(id, running.getVersion(), Trigger.manual, runId, started, records.size(),
                            result.recordsJson().size(), result.logs()));
                    return new Outcome(runId, running, true, result.recordsJson(), result.logs(), null, records.size(),
                            capped, skipped);
                } catch (ActionRunException e) {
                    return errored(runId, running, started, records.size(), e.logs(), RunRecords.describe(e), capped,
                            skipped);
                }
            }
        }
    }

    private Outcome errored(String runId, ActionDefinition definition, Instant started, long recordsIn,
            List<LogLine> logs, String error, boolean capped, int skipped) throws TimeoutException, InterruptedException {
        ActionId id = new ActionId(definition.getOrg(), definition.getName());
        write(RunRecords.errored(id, definition.getVersion(), Trigger.manual, runId, started, recordsIn, logs, error));
        return new Outcome(runId, definition, false, List.of(), logs, error, recordsIn, capped, skipped);
    }

    /** Waits for the run record, so the run is in the history once the caller has the answer. */
    private void write(RunRecord record) throws TimeoutException, InterruptedException {
        try {
            runs.write(record).get(settings.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new TimeoutException("Kafka did not store the run record: " + e.getCause().getMessage());
        }
    }

    private record WindowRecords(List<String> records, boolean capped, int skipped) {}

    private record Timed(long timestamp, int partition, long offset, String json) {}

    /**
     * The committed records of every partition whose timestamps fall in the window: from the first
     * offset at or after the start (by the broker's time index) up to the first offset at or after the
     * end, each record's own timestamp checked again, since producers may write timestamps out of order.
     * Like any search by the time index, a record appended after the window's end position with a time
     * inside the window is not seen; reading every partition to its end instead would make a run over
     * an old window read the whole topic.
     */
    private WindowRecords read(String org, Window window) throws TimeoutException {
        String topic = TopicNames.logStream(org, window.stream());
        long startMillis = Math.ceilDiv(window.startMicros(), 1000);
        long endMillis = Math.ceilDiv(window.endMicros(), 1000);
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "manual-run");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        Duration timeout = settings.readTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new NoSuchStream("stream " + window.stream() + " of org " + org + " has no records (no topic "
                        + topic + "); ingest into it first");
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            Map<TopicPartition, Long> starts = offsets(consumer, partitions, startMillis, timeout);
            Map<TopicPartition, Long> stops = offsets(consumer, partitions, endMillis, timeout);
            Map<TopicPartition, Long> remaining = new HashMap<>();
            for (TopicPartition tp : partitions) {
                long start = starts.get(tp);
                long stop = stops.get(tp);
                if (start < stop) {
                    remaining.put(tp, stop);
                }
            }
            consumer.assign(remaining.keySet());
            remaining.keySet().forEach(tp -> consumer.seek(tp, starts.get(tp)));
            List<Timed> found = new ArrayList<>();
            int skipped = 0;
            boolean capped = false;
            while (!remaining.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("reading " + topic + " took longer than " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    Long stop = remaining.get(tp);
                    if (stop == null || r.offset() >= stop) {
                        continue;
                    }
                    long micros = r.timestamp() * 1000;
                    if (micros < window.startMicros() || micros >= window.endMicros()) {
                        continue;
                    }
                    try {
                        found.add(new Timed(r.timestamp(), r.partition(), r.offset(), logRecords.toJson(r.value())));
                    } catch (MalformedRecordException e) {
                        skipped++;
                    }
                }
                // Done with a partition once its position passed the window's end (transaction markers
                // and aborted records count as passed too).
                for (TopicPartition tp : List.copyOf(remaining.keySet())) {
                    if (consumer.position(tp) >= remaining.get(tp)) {
                        remaining.remove(tp);
                        consumer.pause(List.of(tp));
                    }
                }
                if (found.size() > settings.maxRecords()) {
                    capped = true;
                    break;
                }
            }
            found.sort(Comparator.comparingLong(Timed::timestamp).thenComparingInt(Timed::partition)
                    .thenComparingLong(Timed::offset));
            // Partitions are read side by side, so the earliest records of a capped window may still be
            // unread on a slow partition; they are the earliest of what was read, in time order.
            List<String> records = found.stream().limit(settings.maxRecords()).map(Timed::json).toList();
            return new WindowRecords(records, capped, skipped);
        }
    }

    /**
     * Per partition, the first offset whose timestamp is at or after {@code millis}; the end of the
     * committed records when there is none.
     */
    private static Map<TopicPartition, Long> offsets(KafkaConsumer<byte[], byte[]> consumer,
            List<TopicPartition> partitions, long millis, Duration timeout) {
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, millis));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, timeout);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
        Map<TopicPartition, Long> result = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp at = found.get(tp);
            result.put(tp, at == null ? ends.get(tp) : Math.min(at.offset(), ends.get(tp)));
        }
        return result;
    }
}
