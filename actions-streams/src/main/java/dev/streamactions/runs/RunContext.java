package dev.streamactions.runs;

import dev.streamactions.definitions.ActionDefinitions;
import dev.streamactions.metrics.ActionMetrics;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.runs.RunRecord;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * What the topology's processors share, built once per instance and safe to use from every stream
 * thread: the definitions, the loaded actions, the permission check, the schema registry, the meters,
 * and how batches are cut.
 *
 * @param logBatches   batches of log records (max records, max wait, retries)
 * @param alertBatches batches of alert payloads (they run as soon as they arrive)
 * @param tickBatches  scheduled runs (one tick each, not retried)
 * @param punctuationInterval how often batches are looked at for being due
 * @param schedulerInterval   how often the scheduler looks for due actions
 * @param announce     hears {@code Running} records as runs start
 * @param executor     where batches wait for their actions, off the stream threads
 */
public record RunContext(ActionDefinitions definitions, LoadedActions actions, ScriptAccess access,
        SchemaRegistry registry, ActionMetrics metrics, ActionBatches.Settings logBatches,
        ActionBatches.Settings alertBatches, ActionBatches.Settings tickBatches, Duration punctuationInterval,
        Duration schedulerInterval, Consumer<RunRecord> announce, Executor executor) {}
