package dev.streamactions.runs;

import java.time.Duration;

/**
 * How long a stream thread may still wait for running batches in its current transaction: all its waits
 * together (for a full batch's predecessor, a parked retry, an alert's run, the batches of every task at
 * the commit) at most {@code batch.commit.wait.ms} per transaction, so that no transaction outlives its
 * timeout whatever the actions do. One per stream thread, shared by the thread's tasks.
 *
 * <p>A transaction's end is seen as the commit's before-commit hooks, which run one after the other with
 * no record processed in between; the first record or punctuation after them starts the next budget.
 */
final class WaitBudget {
    private static final ThreadLocal<WaitBudget> OF_THREAD = ThreadLocal.withInitial(WaitBudget::new);

    private long deadline;
    private boolean committing;

    static WaitBudget ofThisThread() {
        return OF_THREAD.get();
    }

    /** The stream thread processes a record or punctuates: a commit that was under way has ended. */
    void working() {
        if (committing) {
            committing = false;
            deadline = 0;
        }
    }

    /** The stream thread is committing (a before-commit hook runs). */
    void committing() {
        committing = true;
    }

    /** The {@link System#nanoTime()} until which this transaction's waits may last; set by its first wait. */
    long deadline(Duration longestWait) {
        if (deadline == 0) {
            deadline = System.nanoTime() + longestWait.toNanos();
        }
        return deadline;
    }
}
