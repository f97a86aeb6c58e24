package dev.streamactions.app;

import java.time.Clock;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.utils.Time;

/**
 * A {@link Clock} as the {@link Time} of Kafka Streams, so wall-clock punctuation (the scheduler's looks)
 * follows the application's clock: the system's in production, one that tests move forward to check the
 * scheduler's promises without waiting hours. Elapsed time ({@link #nanoseconds()}) stays the system's.
 */
final class ClockTime implements Time {
    private final Clock clock;

    ClockTime(Clock clock) {
        this.clock = clock;
    }

    @Override
    public long milliseconds() {
        return clock.millis();
    }

    @Override
    public long nanoseconds() {
        return System.nanoTime();
    }

    @Override
    public void sleep(long ms) {
        Time.SYSTEM.sleep(ms);
    }

    @Override
    public void waitObject(Object lock, Supplier<Boolean> condition, long deadlineMs) throws InterruptedException {
        synchronized (lock) {
            while (!condition.get()) {
                long left = deadlineMs - milliseconds();
                if (left <= 0) {
                    throw new TimeoutException("condition not met before " + deadlineMs);
                }
                lock.wait(left);
            }
        }
    }
}
