package dev.streamactions.alerts;

import dev.streamactions.runs.ActionBatches;
import dev.streamactions.runs.BatchingProcessor;
import dev.streamactions.runs.Emitter;
import dev.streamactions.runs.RunContext;
import dev.streamactions.schemas.alerts.AlertEvent;
import dev.streamactions.schemas.alerts.AlertEvents;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.schemas.wire.MalformedRecordException;
import dev.streamactions.schemas.wire.TopicValueReader;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Runs the actions an alert event names, each with {@code [payload]}, as soon as the event arrives;
 * their records go to {@code actions.<org>.<action>.out}. An event that cannot be read, or that names
 * an action that does not exist, goes to the dead-letter topic with the reason.
 */
public final class AlertEventProcessor extends BatchingProcessor {
    public static final String STORE = "alert-batches";

    private TopicValueReader<AlertEvent> reader;

    public AlertEventProcessor(RunContext run, Emitter.Sinks sinks) {
        // Alert batches are due on arrival; the punctuator only brings back retries and loading actions.
        super(run, sinks, new Kind(STORE, Trigger.alert, run.alertBatches(), ActionType.realtime, r -> {}));
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        super.init(context);
        this.reader = AlertEvents.reader(run.registry());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        AlertEvent event;
        try {
            event = reader.read(record.value());
        } catch (MalformedRecordException e) {
            reject(record, null, "not an alert event: " + e.getMessage());
            return;
        }
        for (String action : event.getActions()) {
            add(event.getOrg() + "/" + action, record, event.getPayloadJson());
        }
    }

    @Override
    protected ActionBatches.Resolution resolve(String target) {
        return actionTarget(target, "the alert");
    }
}
