package dev.streamactions.runs;

import dev.streamactions.schemas.state.BatchState;
import dev.streamactions.schemas.state.BufferedRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The inputs parked for their action's batch in a changelogged key-value store: those whose batch could not
 * end before a commit (the action was still loading, or the batch failed and waits for its retry). A crash
 * loses none of them: the new owner of the partition restores the store and runs them. The usual input
 * never comes here; it waits in memory until its batch runs ({@link ActionBatches}).
 *
 * <p>Keys: {@code r|<target>|<sequence>} holds one {@link BufferedRecord}, the sequence zero-padded so
 * the store's byte order is arrival order; {@code s|<target>} holds a target's {@link BatchState} only
 * while its head batch has failed attempts (the backoff must survive a crash too). Targets never contain
 * {@code |}.
 *
 * <p>The rest of a target's state (how many inputs wait, the next sequence, the oldest arrival) is kept
 * in memory and rebuilt from the records when the processor starts, so adding an input costs one
 * write, not three: on the hot path of every log record.
 */
public final class BatchBuffer {
    private static final StringSerializer PREFIX = new StringSerializer();
    private static final int SEQUENCE_DIGITS = 19;

    private final KeyValueStore<String, byte[]> store;
    private final Map<String, BatchState> states = new HashMap<>();

    /** Reads what the store holds (after a restore, the waiting inputs of this task's partitions). */
    public BatchBuffer(KeyValueStore<String, byte[]> store) {
        this.store = store;
        try (KeyValueIterator<String, byte[]> it = store.prefixScan("r|", PREFIX)) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> entry = it.next();
                int end = entry.key.lastIndexOf('|');
                String target = entry.key.substring(2, end);
                long sequence = Long.parseLong(entry.key.substring(end + 1));
                BatchState state = states.get(target);
                if (state == null) {
                    state = newState(decode(entry.value).getBufferedAt());
                    states.put(target, state);
                }
                state.setBuffered(state.getBuffered() + 1);
                state.setNextSequence(Math.max(state.getNextSequence(), sequence + 1));
            }
        }
        try (KeyValueIterator<String, byte[]> it = store.prefixScan("s|", PREFIX)) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> entry = it.next();
                BatchState stored = decodeState(entry.value);
                BatchState state = states.get(entry.key.substring(2));
                if (state == null) {
                    store.delete(entry.key); // a failure record of a batch that has gone
                } else {
                    state.setFailedAttempts(stored.getFailedAttempts());
                    state.setNextAttemptAt(stored.getNextAttemptAt());
                    state.setLastError(stored.getLastError());
                }
            }
        }
    }

    /** One waiting input and its key in the store. */
    public record Waiting(String storeKey, BufferedRecord record) {}

    /** Adds {@code record} at the end of {@code target}'s buffer and answers its key in the store. */
    public String append(String target, BufferedRecord record) {
        BatchState state = states.computeIfAbsent(target, t -> newState(record.getBufferedAt()));
        if (state.getBuffered() == 0) {
            state.setOldestBufferedAt(record.getBufferedAt());
        }
        long sequence = state.getNextSequence();
        String key = recordKey(target, sequence);
        store.put(key, encode(record));
        state.setNextSequence(sequence + 1);
        state.setBuffered(state.getBuffered() + 1);
        return key;
    }

    /** Keeps a failed attempt of {@code target}'s head batch (attempts, backoff, error) across crashes. */
    public void saveFailure(String target, BatchState state) {
        try {
            store.put(stateKey(target), toBytes(state.toByteBuffer()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first {@code max} waiting inputs of {@code target}, oldest first. */
    public List<Waiting> head(String target, int max) {
        List<Waiting> head = new ArrayList<>(Math.min(max, 1024));
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(recordPrefix(target), PREFIX)) {
            while (it.hasNext() && head.size() < max) {
                KeyValue<String, byte[]> entry = it.next();
                head.add(new Waiting(entry.key, decode(entry.value)));
            }
        }
        return head;
    }

    /** Whether inputs of {@code target} wait in the store. */
    public boolean holds(String target) {
        BatchState state = states.get(target);
        return state != null && state.getBuffered() > 0;
    }

    /** The state of {@code target}, which {@link #holds} inputs. */
    public BatchState state(String target) {
        return states.get(target);
    }

    /**
     * Removes {@code done} (the keys of the head of {@code target}'s buffer) and updates the state: the
     * oldest waiting input's arrival, and no failed attempts for the next batch.
     */
    public void removeHead(String target, List<String> done) {
        BatchState state = states.get(target);
        for (String key : done) {
            store.delete(key);
        }
        if (state.getFailedAttempts() > 0) {
            store.delete(stateKey(target));
        }
        state.setBuffered(Math.max(0, state.getBuffered() - done.size()));
        state.setFailedAttempts(0);
        state.setNextAttemptAt(Instant.EPOCH);
        state.setLastError(null);
        if (state.getBuffered() > 0) {
            List<Waiting> next = head(target, 1);
            if (next.isEmpty()) {
                state.setBuffered(0);
            } else {
                state.setOldestBufferedAt(next.get(0).record().getBufferedAt());
            }
        }
    }

    /** Every target with waiting inputs, and its state. */
    public List<KeyValue<String, BatchState>> targets() {
        List<KeyValue<String, BatchState>> targets = new ArrayList<>(states.size());
        states.forEach((target, state) -> targets.add(KeyValue.pair(target, state)));
        return targets;
    }

    /** Forgets {@code target} once its buffer is empty, so removed actions leave nothing behind. */
    public void forget(String target) {
        BatchState state = states.remove(target);
        if (state != null && state.getFailedAttempts() > 0) {
            store.delete(stateKey(target));
        }
    }

    private static BatchState newState(Instant oldest) {
        return BatchState.newBuilder()
                .setNextSequence(0)
                .setBuffered(0)
                .setOldestBufferedAt(oldest)
                .build();
    }

    private static String stateKey(String target) {
        return "s|" + target;
    }

    private static String recordPrefix(String target) {
        return "r|" + target + "|";
    }

    private static String recordKey(String target, long sequence) {
        String digits = Long.toString(sequence);
        StringBuilder key = new StringBuilder(target.length() + 4 + SEQUENCE_DIGITS).append("r|").append(target)
                .append('|');
        for (int i = digits.length(); i < SEQUENCE_DIGITS; i++) {
            key.append('0');
        }
        return key.append(digits).toString();
    }

    private static byte[] encode(BufferedRecord record) {
        try {
            return toBytes(record.toByteBuffer());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BufferedRecord decode(byte[] bytes) {
        try {
            return BufferedRecord.fromByteBuffer(ByteBuffer.wrap(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable buffered record", e);
        }
    }

    private static BatchState decodeState(byte[] bytes) {
        try {
            return BatchState.fromByteBuffer(ByteBuffer.wrap(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable batch state", e);
        }
    }

    private static byte[] toBytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
