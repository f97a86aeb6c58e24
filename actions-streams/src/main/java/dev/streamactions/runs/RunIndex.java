package dev.streamactions.runs;

import dev.streamactions.definitions.ActionId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;

/**
 * The runs of {@code actions.runs} on this instance's disk, in RocksDB, laid out so that every page the
 * history answers is one seek and a short forward scan, whatever the number of runs:
 *
 * <ul>
 *   <li>{@code 1 <org>/<action> 0 <mask> <filter values> <started_at inverted> <run_id>}: a run of an
 *       action, newest first, once per combination of the filters (status, trigger, version: the bits
 *       of {@code mask}); mask 0 holds the run record's bytes, the others nothing.
 *   <li>{@code 2 <run_id>}: what the run's entries are keyed by, so an outcome replaces its
 *       {@code Running} announcement and the retention sweep finds them.
 *   <li>{@code 3 <started_at> <run_id>}: every run by time, for the sweep and to count recent activity.
 *   <li>{@code 4 <partition>}: the next offset of {@code actions.runs} to read, written in the same
 *       batch as the runs it covers, so the index and its position never disagree after a crash.
 * </ul>
 *
 * One writer (the history's reader thread); reads from any thread.
 */
final class RunIndex implements AutoCloseable {
    private static final byte RUNS = 1;
    private static final byte BY_ID = 2;
    private static final byte BY_TIME = 3;
    private static final byte OFFSETS = 4;
    private static final int STATUS = 1;
    private static final int TRIGGER = 2;
    private static final int VERSION = 4;

    static {
        RocksDB.loadLibrary();
    }

    /**
     * What a run is filed under: its action, when it started, the offset of its first record in
     * {@code actions.runs} (all runs of an action share a partition, so of two runs started in the same
     * millisecond the later written is the newer), and the values the history filters on.
     */
    record Entry(ActionId action, String runId, long startedAt, long sequence, String status, String trigger,
            int version) {
        /** Where this run sorts in every page of its action: newer first. */
        byte[] position() {
            byte[] id = utf8(runId);
            return ByteBuffer.allocate(2 * Long.BYTES + id.length).putLong(Long.MAX_VALUE - startedAt)
                    .putLong(Long.MAX_VALUE - sequence).put(id).array();
        }

        Entry withSequence(long earlier) {
            return new Entry(action, runId, startedAt, earlier, status, trigger, version);
        }
    }

    /** Which runs a page holds: any of the three may be null (not filtered on). */
    record Filter(String status, String trigger, Integer version) {
        static final Filter NONE = new Filter(null, null, null);

        int mask() {
            return (status != null ? STATUS : 0) | (trigger != null ? TRIGGER : 0) | (version != null ? VERSION : 0);
        }
    }

    /** A page of run records' bytes, newest first, and the position after its last run when there are more. */
    record Page(List<byte[]> runs, Optional<byte[]> next) {}

    private final RocksDB db;
    private final Options options;
    private final WriteOptions writeOptions = new WriteOptions();

    private RunIndex(RocksDB db, Options options) {
        this.db = db;
        this.options = options;
    }

    static RunIndex open(Path dir) {
        Options options = new Options().setCreateIfMissing(true).setCompressionType(CompressionType.LZ4_COMPRESSION);
        try {
            Files.createDirectories(dir);
            return new RunIndex(RocksDB.open(options, dir.toString()), options);
        } catch (RocksDBException e) {
            options.close();
            throw new IllegalStateException("cannot open the run history index in " + dir + ": " + e.getMessage()
                    + " (is another instance using this data folder?)", e);
        } catch (IOException e) {
            options.close();
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /** Per partition of {@code actions.runs}, the next offset to read; empty for a new index. */
    Map<Integer, Long> offsets() {
        Map<Integer, Long> offsets = new HashMap<>();
        try (RocksIterator it = db.newIterator()) {
            byte[] prefix = {OFFSETS};
            for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                offsets.put(ByteBuffer.wrap(it.key(), 1, Integer.BYTES).getInt(), ByteBuffer.wrap(it.value()).getLong());
            }
        }
        return offsets;
    }

    /** Forgets everything: the topic was recreated and the index describes records that are gone. */
    void clear() {
        try {
            db.deleteRange(new byte[] {0}, new byte[] {(byte) 0xff});
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot clear the run history index: " + e.getMessage(), e);
        }
    }

    /** The changes of one poll, written at once with the offsets they reach. */
    final class Batch implements AutoCloseable {
        private final WriteBatchWithIndex batch = new WriteBatchWithIndex(true);
        private final ReadOptions read = new ReadOptions();

        /**
         * Files a run: an outcome replaces the run's earlier record, a {@code Running} record that comes
         * after its outcome is ignored. Answers whether the run was filed.
         */
        boolean put(Entry entry, boolean running, byte[] record) throws RocksDBException {
            byte[] idKey = concat(new byte[] {BY_ID}, utf8(entry.runId()));
            byte[] earlier = batch.getFromBatchAndDB(db, read, idKey);
            if (earlier != null) {
                if (running) {
                    return false;
                }
                Entry replaced = decode(entry.runId(), earlier);
                delete(replaced);
                entry = entry.withSequence(replaced.sequence());
            }
            for (int mask = 0; mask < 8; mask++) {
                batch.put(runKey(entry, mask), mask == 0 ? record : new byte[0]);
            }
            batch.put(idKey, encode(entry));
            batch.put(timeKey(entry.startedAt(), entry.runId()), new byte[0]);
            return true;
        }

        void offset(int partition, long next) throws RocksDBException {
            batch.put(ByteBuffer.allocate(5).put(OFFSETS).putInt(partition).array(),
                    ByteBuffer.allocate(Long.BYTES).putLong(next).array());
        }

        private void delete(Entry entry) throws RocksDBException {
            for (int mask = 0; mask < 8; mask++) {
                batch.delete(runKey(entry, mask));
            }
            batch.delete(concat(new byte[] {BY_ID}, utf8(entry.runId())));
            batch.delete(timeKey(entry.startedAt(), entry.runId()));
        }

        void write() throws RocksDBException {
            db.write(writeOptions, batch);
        }

        @Override
        public void close() {
            read.close();
            batch.close();
        }
    }

    Batch batch() {
        return new Batch();
    }

    /**
     * Removes the runs that started before {@code cutoff} (epoch ms), at most {@code most} of them;
     * answers how many it removed.
     */
    int sweep(long cutoff, int most) throws RocksDBException {
        int removed = 0;
        try (Batch batch = batch(); RocksIterator it = db.newIterator()) {
            byte[] prefix = {BY_TIME};
            for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix) && removed < most; it.next()) {
                ByteBuffer key = ByteBuffer.wrap(it.key());
                key.get();
                long startedAt = key.getLong();
                if (startedAt >= cutoff) {
                    break;
                }
                String runId = new String(it.key(), 1 + Long.BYTES, it.key().length - 1 - Long.BYTES,
                        StandardCharsets.UTF_8);
                byte[] entry = db.get(concat(new byte[] {BY_ID}, utf8(runId)));
                if (entry != null) {
                    batch.delete(decode(runId, entry));
                } else {
                    batch.batch.delete(it.key());
                }
                removed++;
            }
            batch.write();
        }
        return removed;
    }

    /** The records' bytes of the runs that started at or after {@code since} (epoch ms), oldest first. */
    List<byte[]> startedSince(long since) throws RocksDBException {
        List<byte[]> runs = new ArrayList<>();
        try (RocksIterator it = db.newIterator()) {
            byte[] prefix = {BY_TIME};
            for (it.seek(timeKey(since, "")); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                String runId = new String(it.key(), 1 + Long.BYTES, it.key().length - 1 - Long.BYTES,
                        StandardCharsets.UTF_8);
                byte[] entry = db.get(concat(new byte[] {BY_ID}, utf8(runId)));
                byte[] record = entry == null ? null : db.get(runKey(decode(runId, entry), 0));
                if (record != null) {
                    runs.add(record);
                }
            }
        }
        return runs;
    }

    /** Up to {@code limit} runs of {@code action} that pass {@code filter}, newest first, after {@code before}. */
    Page page(ActionId action, Filter filter, byte[] before, int limit) throws RocksDBException {
        byte[] prefix = filterPrefix(action, filter);
        List<byte[]> positions = new ArrayList<>();
        List<byte[]> records = new ArrayList<>();
        try (RocksIterator it = db.newIterator()) {
            byte[] from = before == null ? prefix : concat(prefix, before);
            it.seek(from);
            if (before != null && it.isValid() && Arrays.equals(it.key(), from)) {
                it.next();
            }
            for (; it.isValid() && startsWith(it.key(), prefix) && positions.size() <= limit; it.next()) {
                positions.add(Arrays.copyOfRange(it.key(), prefix.length, it.key().length));
                records.add(filter.mask() == 0 ? it.value() : null);
            }
        }
        boolean more = positions.size() > limit;
        if (more) {
            positions.removeLast();
            records.removeLast();
        }
        if (filter.mask() != 0 && !positions.isEmpty()) {
            byte[] all = filterPrefix(action, Filter.NONE);
            records = db.multiGetAsList(positions.stream().map(p -> concat(all, p)).toList());
        }
        List<byte[]> found = records.stream().filter(r -> r != null).toList();
        return new Page(found, more ? Optional.of(positions.getLast()) : Optional.empty());
    }

    /** Removes every run of {@code action} from its pages (the action was deleted). */
    void forget(ActionId action) throws RocksDBException {
        byte[] from = concat(new byte[] {RUNS}, utf8(action.toString()), new byte[] {0});
        byte[] to = concat(new byte[] {RUNS}, utf8(action.toString()), new byte[] {1});
        db.deleteRange(from, to);
    }

    /** An approximate count of the keys, for the benchmark's report. */
    long approximateKeys() throws RocksDBException {
        return db.getLongProperty("rocksdb.estimate-num-keys");
    }

    @Override
    public void close() {
        // Written to its files now, so the next open has no log to replay.
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.flush(flush);
        } catch (RocksDBException e) {
            // the write-ahead log still has it all: the next open replays it
        }
        writeOptions.close();
        db.close();
        options.close();
    }

    /** A page position as the API's opaque cursor, and back. */
    static String cursor(byte[] position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(position);
    }

    /** @throws IllegalArgumentException when {@code cursor} is not one this index gave out */
    static byte[] position(String cursor) {
        byte[] position;
        try {
            position = Base64.getUrlDecoder().decode(cursor);
        } catch (IllegalArgumentException e) {
            position = new byte[0];
        }
        if (position.length <= 2 * Long.BYTES || position[0] < 0 || position[Long.BYTES] < 0) {
            throw new IllegalArgumentException("'" + cursor + "' is not a cursor of this history: pass the 'next'"
                    + " of the previous page unchanged");
        }
        return position;
    }

    private static byte[] filterPrefix(ActionId action, Filter filter) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(RUNS);
        out.writeBytes(utf8(action.toString()));
        out.write(0);
        out.write(filter.mask());
        if (filter.status() != null) {
            out.writeBytes(utf8(filter.status()));
            out.write(0);
        }
        if (filter.trigger() != null) {
            out.writeBytes(utf8(filter.trigger()));
            out.write(0);
        }
        if (filter.version() != null) {
            out.writeBytes(utf8(Integer.toString(filter.version())));
            out.write(0);
        }
        return out.toByteArray();
    }

    private static byte[] runKey(Entry entry, int mask) {
        Filter filter = new Filter((mask & STATUS) != 0 ? entry.status() : null,
                (mask & TRIGGER) != 0 ? entry.trigger() : null, (mask & VERSION) != 0 ? entry.version() : null);
        return concat(filterPrefix(entry.action(), filter), entry.position());
    }

    private static byte[] timeKey(long startedAt, String runId) {
        byte[] id = utf8(runId);
        return ByteBuffer.allocate(1 + Long.BYTES + id.length).put(BY_TIME).putLong(Math.max(0, startedAt)).put(id)
                .array();
    }

    private static byte[] encode(Entry entry) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(entry.action().toString());
            out.writeLong(entry.startedAt());
            out.writeLong(entry.sequence());
            out.writeUTF(entry.status());
            out.writeUTF(entry.trigger());
            out.writeInt(entry.version());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static Entry decode(String runId, byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return new Entry(ActionId.parse(in.readUTF()), runId, in.readLong(), in.readLong(), in.readUTF(),
                    in.readUTF(), in.readInt());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        ByteBuffer out = ByteBuffer.allocate(length);
        for (byte[] part : parts) {
            out.put(part);
        }
        return out.array();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
