package dev.streamactions.definitions;

import dev.streamactions.schedule.Schedule;
import dev.streamactions.schemas.definitions.ActionDefinition;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.definitions.StreamAttachment;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.registry.SubjectNames;
import dev.streamactions.schemas.wire.AvroDeserializer;
import dev.streamactions.schemas.wire.AvroSerializer;
import dev.streamactions.tables.TableTopic;
import dev.streamactions.topics.TopicAdmin;
import dev.streamactions.topics.TopicNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * The actions and their attachments to log streams, as every instance sees them: two compacted topics
 * ({@link TopicNames#DEFINITIONS}, keyed {@code <org>/<name>}; {@link TopicNames#ATTACHMENTS}, keyed
 * {@code <org>/<stream>/<action>}) read whole by each instance. Writing here is how actions are
 * created, changed and removed; the topology and the runner's catalog hear the changes.
 *
 * <p>The scripts themselves are not here: a definition names its package by SHA-256 in the script
 * store.
 */
public final class ActionDefinitions implements AutoCloseable {
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    private final TableTopic<String, ActionDefinition> definitions;
    private final TableTopic<String, StreamAttachment> attachments;
    private final TopicAdmin topics;
    private final int partitions;
    private final short replication;
    /** Attachments by {@code <org>/<stream>}: asked once for every log record, so kept ready. */
    private final Map<String, List<StreamAttachment>> byStream = new ConcurrentHashMap<>();

    private ActionDefinitions(TableTopic<String, ActionDefinition> definitions,
            TableTopic<String, StreamAttachment> attachments, TopicAdmin topics, int partitions, short replication) {
        this.definitions = definitions;
        this.attachments = attachments;
        this.topics = topics;
        this.partitions = partitions;
        this.replication = replication;
        attachments.listen((key, before, after) -> reindex(before != null ? before : after));
    }

    /** Creates the topics when missing and reads them; returns when this instance has read them whole. */
    public static ActionDefinitions open(Properties clientProperties, SchemaRegistry registry, TopicAdmin topics,
            int partitions, short replication, Duration timeout,
            TableTopic.Listener<String, ActionDefinition> listener) throws TimeoutException {
        topics.ensure(List.of(
                TopicAdmin.table(TopicNames.DEFINITIONS, partitions, replication),
                TopicAdmin.table(TopicNames.ATTACHMENTS, partitions, replication)));
        var definitionWriter = new AvroSerializer<ActionDefinition>(registry);
        var definitionReader = AvroDeserializer.forClass(registry, ActionDefinition.class);
        var attachmentWriter = new AvroSerializer<StreamAttachment>(registry);
        var attachmentReader = AvroDeserializer.forClass(registry, StreamAttachment.class);
        String definitionSubject = SubjectNames.value(TopicNames.DEFINITIONS);
        String attachmentSubject = SubjectNames.value(TopicNames.ATTACHMENTS);
        var definitions = new TableTopic<String, ActionDefinition>(TopicNames.DEFINITIONS, clientProperties,
                new TableTopic.Codec<>(ActionDefinitions::utf8, ActionDefinitions::text,
                        d -> definitionWriter.serialize(definitionSubject, d), definitionReader::deserialize));
        var attachments = new TableTopic<String, StreamAttachment>(TopicNames.ATTACHMENTS, clientProperties,
                new TableTopic.Codec<>(ActionDefinitions::utf8, ActionDefinitions::text,
                        a -> attachmentWriter.serialize(attachmentSubject, a), attachmentReader::deserialize));
        var result = new ActionDefinitions(definitions, attachments, topics, partitions, replication);
        // Heard from the first record on, so whoever loads actions sees every one.
        definitions.listen(listener);
        definitions.start(timeout);
        attachments.start(timeout);
        return result;
    }

    /** What {@link #define} needs; the version and the creation time are the store's to set. */
    public record Draft(ActionId id, ActionType type, String description, String serviceAccount,
            Map<String, String> environment, String schedule, String scriptSha256) {
        public Draft {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(type, "type");
            environment = Map.copyOf(environment == null ? Map.of() : environment);
            description = description == null ? "" : description;
            if (serviceAccount == null || serviceAccount.isBlank()) {
                throw new IllegalArgumentException("an action needs a service account: the identity its runs use");
            }
            if (type == ActionType.scheduled) {
                Schedule.parse(schedule);
            } else if (schedule != null && !schedule.isBlank()) {
                throw new IllegalArgumentException("only a scheduled action has a schedule; this one is " + type);
            }
        }
    }

    /**
     * Saves {@code draft} as the action's next version (1 for a new action), creates its output topic,
     * and returns the stored definition.
     *
     * @throws DefinitionConflictException when the action changes type or, being scheduled, schedule
     */
    public synchronized ActionDefinition define(Draft draft) throws TimeoutException {
        Optional<ActionDefinition> current = find(draft.id());
        current.ifPresent(before -> refuseChange(before, draft));
        ActionDefinition definition = ActionDefinition.newBuilder()
                .setOrg(draft.id().org())
                .setName(draft.id().name())
                .setVersion(current.map(d -> d.getVersion() + 1).orElse(1))
                .setType(draft.type())
                .setDescription(draft.description())
                .setServiceAccount(draft.serviceAccount())
                .setEnv(draft.environment())
                .setSchedule(draft.type() == ActionType.scheduled ? Schedule.parse(draft.schedule()).text() : null)
                .setScriptSha256(draft.scriptSha256())
                .setCreatedAt(Instant.now())
                .build();
        topics.ensure(List.of(TopicAdmin.events(
                TopicNames.actionOutput(draft.id().org(), draft.id().name()), partitions, replication)));
        definitions.put(draft.id().toString(), definition, WRITE_TIMEOUT);
        return definition;
    }

    /**
     * As {@link #define}, only for a new action.
     *
     * @throws DefinitionConflictException when it exists already
     */
    public synchronized ActionDefinition create(Draft draft) throws TimeoutException {
        if (find(draft.id()).isPresent()) {
            throw new DefinitionConflictException("action " + draft.id().name() + " exists already in org "
                    + draft.id().org() + "; upload a new version with PUT, or choose another name");
        }
        return define(draft);
    }

    /**
     * As {@link #define}, only for an existing action.
     *
     * @throws java.util.NoSuchElementException when there is no such action
     * @throws DefinitionConflictException when the action would change type or schedule
     */
    public synchronized ActionDefinition update(Draft draft) throws TimeoutException {
        if (find(draft.id()).isEmpty()) {
            throw new java.util.NoSuchElementException("there is no action " + draft.id().name() + " in org "
                    + draft.id().org() + "; create it with POST");
        }
        return define(draft);
    }

    /**
     * Refuses what {@link #define} would refuse about {@code draft} replacing the stored version, so an
     * upload can be turned down before its package is stored.
     *
     * @throws DefinitionConflictException when the action would change type or schedule
     */
    public void checkChange(Draft draft) {
        find(draft.id()).ifPresent(before -> refuseChange(before, draft));
    }

    private static void refuseChange(ActionDefinition before, Draft draft) {
        if (before.getType() != draft.type()) {
            throw new DefinitionConflictException("action " + draft.id().name() + " is " + before.getType()
                    + "; a new version cannot make it " + draft.type() + " (delete it and create it anew)");
        }
        if (draft.type() == ActionType.scheduled
                && !Schedule.parse(before.getSchedule()).text().equals(Schedule.parse(draft.schedule()).text())) {
            throw new DefinitionConflictException("the schedule of " + draft.id().name() + " is '"
                    + before.getSchedule() + "' and cannot change; delete the action and create it anew");
        }
    }

    /** Removes the action and its attachments; it stops on every instance. Answers whether it existed. */
    public synchronized boolean remove(ActionId id) throws TimeoutException {
        for (StreamAttachment attachment : attachmentsOf(id)) {
            detach(id.org(), attachment.getStream(), id.name());
        }
        if (find(id).isEmpty()) {
            return false;
        }
        definitions.remove(id.toString(), WRITE_TIMEOUT);
        return true;
    }

    public Optional<ActionDefinition> find(ActionId id) {
        return definitions.get(id.toString());
    }

    /** The actions of {@code org}, by name. */
    public List<ActionDefinition> list(String org) {
        return definitions.snapshot().values().stream()
                .filter(d -> d.getOrg().equals(org))
                .sorted(Comparator.comparing(ActionDefinition::getName))
                .toList();
    }

    /**
     * Attaches a real-time action to a log stream: every record of {@code logs.<org>.<stream>} passes
     * through it, and what it returns goes to {@code outputTopic} (when null,
     * {@code logs.<org>.<stream>.<action>}). Creates both topics when missing.
     */
    public synchronized StreamAttachment attach(String org, String stream, String action, String outputTopic)
            throws TimeoutException {
        ActionId id = new ActionId(org, action);
        if (!TopicNames.NAME.matcher(stream).matches()) {
            throw new IllegalArgumentException("'" + stream + "' is not a valid stream name: use letters, digits or '_'");
        }
        ActionDefinition definition = find(id).orElseThrow(() -> new IllegalArgumentException(
                "there is no action " + action + " in org " + org));
        if (definition.getType() != ActionType.realtime) {
            throw new IllegalArgumentException("action " + action + " is " + definition.getType()
                    + "; only a realtime action can be attached to a stream");
        }
        String output = outputTopic == null || outputTopic.isBlank()
                ? TopicNames.defaultAttachmentOutput(org, stream, action)
                : outputTopic;
        if (TopicNames.LOG_STREAMS.matcher(output).matches()) {
            throw new IllegalArgumentException("output topic " + output + " is a log stream's input topic; the"
                    + " action would read its own output");
        }
        topics.ensure(List.of(
                TopicAdmin.events(TopicNames.logStream(org, stream), partitions, replication),
                TopicAdmin.events(output, partitions, replication)));
        StreamAttachment attachment = StreamAttachment.newBuilder()
                .setOrg(org).setStream(stream).setAction(action).setOutputTopic(output).build();
        attachments.put(attachmentKey(org, stream, action), attachment, WRITE_TIMEOUT);
        return attachment;
    }

    /** Detaches; answers whether it was attached. */
    public synchronized boolean detach(String org, String stream, String action) throws TimeoutException {
        String key = attachmentKey(org, stream, action);
        if (attachments.get(key).isEmpty()) {
            return false;
        }
        attachments.remove(key, WRITE_TIMEOUT);
        return true;
    }

    /** The actions attached to {@code logs.<org>.<stream>}; asked for every record, so cheap. */
    public List<StreamAttachment> attachedTo(String org, String stream) {
        return byStream.getOrDefault(org + "/" + stream, List.of());
    }

    /** The streams {@code id} is attached to, by stream. */
    public List<StreamAttachment> attachmentsOf(ActionId id) {
        return attachments.snapshot().values().stream()
                .filter(a -> a.getOrg().equals(id.org()) && a.getAction().equals(id.name()))
                .sorted(Comparator.comparing(StreamAttachment::getStream))
                .toList();
    }

    public Optional<StreamAttachment> attachment(String org, String stream, String action) {
        return attachments.get(attachmentKey(org, stream, action));
    }

    private static String attachmentKey(String org, String stream, String action) {
        return org + "/" + stream + "/" + action;
    }

    private void reindex(StreamAttachment changed) {
        String org = changed.getOrg();
        String stream = changed.getStream();
        List<StreamAttachment> now = attachments.snapshot().values().stream()
                .filter(a -> a.getOrg().equals(org) && a.getStream().equals(stream))
                .sorted(Comparator.comparing(StreamAttachment::getAction))
                .toList();
        byStream.put(org + "/" + stream, now);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        definitions.close();
        attachments.close();
    }
}
