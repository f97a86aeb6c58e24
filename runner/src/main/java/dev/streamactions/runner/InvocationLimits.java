package dev.streamactions.runner;

import java.time.Duration;
import java.util.Objects;

/**
 * What one invocation of an action may use before it is stopped.
 *
 * @param timeout           wall-clock time for one call of {@code main}
 * @param maxAllocatedBytes bytes the invocation's thread may allocate on the heap; GraalPy's community
 *                          edition has no per-context heap limit, so the runner counts allocations
 * @param maxOutputBytes    size of the returned records, as JSON text
 */
public record InvocationLimits(Duration timeout, long maxAllocatedBytes, long maxOutputBytes) {

    public static final InvocationLimits DEFAULT =
            new InvocationLimits(Duration.ofSeconds(30), 1L << 30, 16L << 20);

    public InvocationLimits {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        if (maxAllocatedBytes <= 0 || maxOutputBytes <= 0) {
            throw new IllegalArgumentException("byte limits must be positive");
        }
    }

    public InvocationLimits withTimeout(Duration value) {
        return new InvocationLimits(value, maxAllocatedBytes, maxOutputBytes);
    }

    public InvocationLimits withMaxAllocatedBytes(long value) {
        return new InvocationLimits(timeout, value, maxOutputBytes);
    }

    public InvocationLimits withMaxOutputBytes(long value) {
        return new InvocationLimits(timeout, maxAllocatedBytes, value);
    }
}
