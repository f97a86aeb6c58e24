package dev.streamactions.runs;

import dev.streamactions.schemas.state.BatchState;
import dev.streamactions.schemas.state.BufferedRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The inputs waiting for their action's batch, in a changelogged key-value store: what makes a crash
 * between two batches lose nothing (the new owner of the partition restores the store and runs them).
 *
 * <p>Keys: {@code s|<target>} holds the target's {@link BatchState}; {@code r|<target>|<sequence>} one
 * {@link BufferedRecord}, the sequence zero-padded so the store's byte order is arrival order. Targets
 * never contain {@code |}.
 */
public final class BatchBuffer {
    private static final StringSerializer PREFIX = new StringSerializer();

    private final KeyValueStore<String, byte[]> store;

    public BatchBuffer(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    /** One waiting input and its key in the store. */
    public record Waiting(String storeKey, BufferedRecord record) {}

    /** Adds {@code record} at the end of {@code target}'s buffer and answers the buffer's new state. */
    public BatchState append(String target, BufferedRecord record) {
        BatchState state = state(target);
        if (state == null) {
            state = BatchState.newBuilder()
                    .setNextSequence(0)
                    .setBuffered(0)
                    .setOldestBufferedAt(record.getBufferedAt())
                    .build();
        } else if (state.getBuffered() == 0) {
            state.setOldestBufferedAt(record.getBufferedAt());
        }
        long sequence = state.getNextSequence();
        store.put(recordKey(target, sequence), encode(record));
        state.setNextSequence(sequence + 1);
        state.setBuffered(state.getBuffered() + 1);
        save(target, state);
        return state;
    }

    /** The state of {@code target}'s buffer, or null when it never had one. */
    public BatchState state(String target) {
        byte[] bytes = store.get(stateKey(target));
        if (bytes == null) {
            return null;
        }
        try {
            return BatchState.fromByteBuffer(ByteBuffer.wrap(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable batch state of " + target, e);
        }
    }

    public void save(String target, BatchState state) {
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

    /**
     * Removes {@code done} (the head of {@code target}'s buffer) and updates the state: the oldest
     * waiting input's arrival, and no failed attempts for the next batch.
     */
    public void removeHead(String target, BatchState state, List<Waiting> done) {
        for (Waiting waiting : done) {
            store.delete(waiting.storeKey());
        }
        state.setBuffered(Math.max(0, state.getBuffered() - done.size()));
        state.setFailedAttempts(0);
        state.setNextAttemptAt(java.time.Instant.EPOCH);
        state.setLastError(null);
        if (state.getBuffered() > 0) {
            List<Waiting> next = head(target, 1);
            if (!next.isEmpty()) {
                state.setOldestBufferedAt(next.get(0).record().getBufferedAt());
            }
        }
        save(target, state);
    }

    /** Every target with a state, and its state. */
    public List<KeyValue<String, BatchState>> targets() {
        List<KeyValue<String, BatchState>> targets = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan("s|", PREFIX)) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> entry = it.next();
                try {
                    targets.add(KeyValue.pair(entry.key.substring(2),
                            BatchState.fromByteBuffer(ByteBuffer.wrap(entry.value))));
                } catch (IOException e) {
                    throw new UncheckedIOException("unreadable batch state " + entry.key, e);
                }
            }
        }
        return targets;
    }

    /** Forgets {@code target} once its buffer is empty, so removed actions leave nothing behind. */
    public void forget(String target) {
        store.delete(stateKey(target));
    }

    private static String stateKey(String target) {
        return "s|" + target;
    }

    private static String recordPrefix(String target) {
        return "r|" + target + "|";
    }

    private static String recordKey(String target, long sequence) {
        return recordPrefix(target) + String.format("%019d", sequence);
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

    private static byte[] toBytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
