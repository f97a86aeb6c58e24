package dev.streamactions.runs;

import dev.streamactions.definitions.ActionId;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.RunStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each action did over the last {@link #KEPT}, in {@link #BUCKET} steps: runs ended, runs errored,
 * records in and out, counted from the run records of every instance (so the figures are the cluster's,
 * not this instance's). The console draws records/s and errors from it.
 *
 * <p>Bounded: at most {@code KEPT / BUCKET} buckets per action, older ones dropped as newer arrive.
 */
public final class ActionActivity {
    public static final Duration BUCKET = Duration.ofSeconds(10);
    public static final Duration KEPT = Duration.ofMinutes(30);
    private static final long BUCKET_MS = BUCKET.toMillis();
    private static final long KEPT_BUCKETS = KEPT.toMillis() / BUCKET_MS;

    /** One step: the runs that ended in [start, start + BUCKET). */
    public record Bucket(Instant start, long runs, long errors, long recordsIn, long recordsOut) {
        static Bucket empty(long bucket) {
            return new Bucket(Instant.ofEpochMilli(bucket * BUCKET_MS), 0, 0, 0, 0);
        }

        Bucket plus(RunRecord run) {
            return new Bucket(start, runs + 1, errors + (run.getStatus() == RunStatus.Errored ? 1 : 0),
                    recordsIn + run.getRecordsIn(), recordsOut + run.getRecordsOut());
        }
    }

    private final Map<ActionId, TreeMap<Long, Bucket>> actions = new ConcurrentHashMap<>();

    /** Counts a run's outcome; a {@code Running} announcement counts nothing. */
    void add(RunRecord run) {
        if (run.getStatus() == RunStatus.Running || run.getEndedAt() == null) {
            return;
        }
        long bucket = Math.floorDiv(run.getEndedAt().toEpochMilli(), BUCKET_MS);
        TreeMap<Long, Bucket> buckets = actions.computeIfAbsent(new ActionId(run.getOrg(), run.getAction()),
                k -> new TreeMap<>());
        synchronized (buckets) {
            if (!buckets.isEmpty() && bucket <= buckets.lastKey() - KEPT_BUCKETS) {
                return;
            }
            buckets.put(bucket, buckets.getOrDefault(bucket, Bucket.empty(bucket)).plus(run));
            buckets.headMap(buckets.lastKey() - KEPT_BUCKETS, true).clear();
        }
    }

    /** Every bucket of {@code id} in the {@code window} before {@code now}, oldest first, empty ones included. */
    public List<Bucket> of(ActionId id, Instant now, Duration window) {
        long last = Math.floorDiv(now.toEpochMilli(), BUCKET_MS);
        long first = last - Math.min(window.toMillis() / BUCKET_MS, KEPT_BUCKETS) + 1;
        TreeMap<Long, Bucket> buckets = actions.getOrDefault(id, new TreeMap<>());
        List<Bucket> series = new ArrayList<>();
        synchronized (buckets) {
            for (long b = first; b <= last; b++) {
                series.add(buckets.getOrDefault(b, Bucket.empty(b)));
            }
        }
        return series;
    }

    void forget(ActionId id) {
        actions.remove(id);
    }
}
