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
import org.apache.kafka.clients.admin.OffsetSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * The actions, their versions and their attachments to log streams, as every instance sees them: three
 * compacted topics read whole by each instance. {@link TopicNames#VERSIONS} (keyed
 * {@code <org>/<name>/<version>}) keeps every uploaded version, never changed once written;
 * {@link TopicNames#DEFINITIONS} (keyed {@code <org>/<name>}) holds the current one, the newest upload
 * or the one rolled back to; {@link TopicNames#ATTACHMENTS} (keyed {@code <org>/<stream>/<action>}) the
 * attachments. Writing here is how actions are created, changed, rolled back and removed; the topology
 * and the runner's catalog hear the changes of the current versions.
 *
 * <p>The scripts themselves are not here: a definition names its package by SHA-256 in the script
 * store.
 */
public final class ActionDefinitions implements AutoCloseable {
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    private final TableTopic<String, ActionDefinition> definitions;
    private final TableTopic<String, ActionDefinition> versions;
    private final TableTopic<String, StreamAttachment> attachments;
    private final TopicAdmin topics;
    private final int partitions;
    private final short replication;
    /** Attachments by {@code <org>/<stream>}: asked once for every log record, so kept ready. */
    private final Map<String, List<StreamAttachment>> byStream = new ConcurrentHashMap<>();

    private ActionDefinitions(TableTopic<String, ActionDefinition> definitions,
            TableTopic<String, ActionDefinition> versions, TableTopic<String, StreamAttachment> attachments,
            TopicAdmin topics, int partitions, short replication) {
        this.definitions = definitions;
        this.versions = versions;
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
                TopicAdmin.table(TopicNames.VERSIONS, partitions, replication),
                TopicAdmin.table(TopicNames.ATTACHMENTS, partitions, replication)));
        var definitionWriter = new AvroSerializer<ActionDefinition>(registry);
        var definitionReader = AvroDeserializer.forClass(registry, ActionDefinition.class);
        var attachmentWriter = new AvroSerializer<StreamAttachment>(registry);
        var attachmentReader = AvroDeserializer.forClass(registry, StreamAttachment.class);
        String definitionSubject = SubjectNames.value(TopicNames.DEFINITIONS);
        String attachmentSubject = SubjectNames.value(TopicNames.ATTACHMENTS);
        String versionSubject = SubjectNames.value(TopicNames.VERSIONS);
        var definitions = new TableTopic<String, ActionDefinition>(TopicNames.DEFINITIONS, clientProperties,
                new TableTopic.Codec<>(ActionDefinitions::utf8, ActionDefinitions::text,
                        d -> definitionWriter.serialize(definitionSubject, d), definitionReader::deserialize));
        var versions = new TableTopic<String, ActionDefinition>(TopicNames.VERSIONS, clientProperties,
                new TableTopic.Codec<>(ActionDefinitions::utf8, ActionDefinitions::text,
                        d -> definitionWriter.serialize(versionSubject, d), definitionReader::deserialize));
        var attachments = new TableTopic<String, StreamAttachment>(TopicNames.ATTACHMENTS, clientProperties,
                new TableTopic.Codec<>(ActionDefinitions::utf8, ActionDefinitions::text,
                        a -> attachmentWriter.serialize(attachmentSubject, a), attachmentReader::deserialize));
        var result = new ActionDefinitions(definitions, versions, attachments, topics, partitions, replication);
        // Heard from the first record on, so whoever loads actions sees every one.
        definitions.listen(listener);
        definitions.start(timeout);
        versions.start(timeout);
        attachments.start(timeout);
        result.keepUnversioned();
        return result;
    }

    /**
     * Stores as a version every current definition that has none: actions saved before versions were
     * kept. Idempotent, so every instance may do it at start.
     */
    private void keepUnversioned() throws TimeoutException {
        for (ActionDefinition current : definitions.snapshot().values()) {
            ActionId id = new ActionId(current.getOrg(), current.getName());
            if (versions.get(versionKey(id, current.getVersion())).isEmpty()) {
                versions.put(versionKey(id, current.getVersion()), current, WRITE_TIMEOUT);
            }
        }
    }

    /** What {@link #define} needs; the version and the creation time are the store's to set. */
    public record Draft(ActionId id, ActionType type, String description, String serviceAccount,
            Map<String, String> environment, String schedule, String scriptSha256, String uploadedBy,
            String message) {
        /** A draft without who uploaded it or a message. */
        public Draft(ActionId id, ActionType type, String description, String serviceAccount,
                Map<String, String> environment, String schedule, String scriptSha256) {
            this(id, type, description, serviceAccount, environment, schedule, scriptSha256, null, null);
        }

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
     * Saves {@code draft} as the action's next version (1 for a new action; one more than the highest
     * kept, whichever is current), makes it current, creates its output topic, and returns the stored
     * definition.
     *
     * @throws DefinitionConflictException when the action changes type or, being scheduled, schedule
     */
    public synchronized ActionDefinition define(Draft draft) throws TimeoutException {
        Optional<ActionDefinition> current = find(draft.id());
        current.ifPresent(before -> refuseChange(before, draft));
        ActionDefinition definition = ActionDefinition.newBuilder()
                .setOrg(draft.id().org())
                .setName(draft.id().name())
                .setVersion(nextVersion(draft.id(), current))
                .setType(draft.type())
                .setDescription(draft.description())
                .setServiceAccount(draft.serviceAccount())
                .setEnv(draft.environment())
                .setSchedule(draft.type() == ActionType.scheduled ? Schedule.parse(draft.schedule()).text() : null)
                .setScriptSha256(draft.scriptSha256())
                .setCreatedAt(Instant.now())
                .setUploadedBy(draft.uploadedBy())
                .setMessage(draft.message() == null || draft.message().isBlank() ? null : draft.message())
                .build();
        topics.ensure(List.of(TopicAdmin.events(
                TopicNames.actionOutput(draft.id().org(), draft.id().name()), partitions, replication)));
        // The version first: a current definition always has its version kept.
        versions.put(versionKey(draft.id(), definition.getVersion()), definition, WRITE_TIMEOUT);
        definitions.put(draft.id().toString(), definition, WRITE_TIMEOUT);
        return definition;
    }

    private int nextVersion(ActionId id, Optional<ActionDefinition> current) {
        int highest = current.map(ActionDefinition::getVersion).orElse(0);
        for (ActionDefinition kept : versions(id)) {
            highest = Math.max(highest, kept.getVersion());
        }
        return highest + 1;
    }

    /** Every kept version of {@code id}, oldest first; empty when there is no such action. */
    public List<ActionDefinition> versions(ActionId id) {
        String prefix = id + "/";
        return versions.snapshot().entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix))
                .map(Map.Entry::getValue)
                .sorted(Comparator.comparingInt(ActionDefinition::getVersion))
                .toList();
    }

    public Optional<ActionDefinition> version(ActionId id, int version) {
        return versions.get(versionKey(id, version));
    }

    /**
     * Makes a kept version current again, as it was uploaded: every instance loads it in place of the
     * current one while batches keep their records, and runs say this version.
     *
     * @throws java.util.NoSuchElementException when there is no such action or version
     */
    public synchronized ActionDefinition rollback(ActionId id, int version) throws TimeoutException {
        ActionDefinition current = find(id).orElseThrow(() -> new java.util.NoSuchElementException(
                "there is no action " + id.name() + " in org " + id.org()));
        ActionDefinition target = version(id, version).orElseThrow(() -> new java.util.NoSuchElementException(
                "action " + id.name() + " has no version " + version + "; kept: " + versionNumbers(id)));
        if (current.getVersion() != version) {
            definitions.put(id.toString(), target, WRITE_TIMEOUT);
        }
        return target;
    }

    /**
     * Removes one kept version that is not current; answers whether it was kept.
     *
     * @throws DefinitionConflictException when it is the current version
     */
    public synchronized boolean removeVersion(ActionId id, int version) throws TimeoutException {
        if (version(id, version).isEmpty()) {
            return false;
        }
        if (find(id).map(ActionDefinition::getVersion).orElse(-1) == version) {
            throw new DefinitionConflictException("version " + version + " is the current version of " + id.name()
                    + "; roll back to another version first (kept: " + versionNumbers(id) + "), or delete the action");
        }
        versions.remove(versionKey(id, version), WRITE_TIMEOUT);
        return true;
    }

    private List<Integer> versionNumbers(ActionId id) {
        return versions(id).stream().map(ActionDefinition::getVersion).toList();
    }

    private static String versionKey(ActionId id, int version) {
        return id + "/" + version;
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

    /**
     * Removes the action, its attachments and its versions; it stops on every instance. Answers whether it
     * existed.
     */
    public synchronized boolean remove(ActionId id) throws TimeoutException {
        for (StreamAttachment attachment : attachmentsOf(id)) {
            detach(id.org(), attachment.getStream(), id.name());
        }
        if (find(id).isEmpty()) {
            return false;
        }
        definitions.remove(id.toString(), WRITE_TIMEOUT);
        for (ActionDefinition kept : versions(id)) {
            versions.remove(versionKey(id, kept.getVersion()), WRITE_TIMEOUT);
        }
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
     * Attaches a real-time action to a log stream, keeping an existing attachment's position (a new one
     * starts at {@code latest}): every record of {@code logs.<org>.<stream>} from
     * {@code start} on passes through it, and what it returns goes to {@code outputTopic} (when null,
     * {@code logs.<org>.<stream>.<action>}). Creates both topics when missing. A null {@code start} keeps
     * an existing attachment's position (and starts a new one at {@code latest}).
     *
     * <p>The position is fixed here, once: the stream topic's end (what a read_committed consumer sees)
     * becomes the attachment's cutover, from which the topology runs it on arriving records; for
     * {@code earliest} or a time, the records from there up to the cutover are replayed to this attachment
     * alone (see {@code AttachmentReplays}).
     */
    public StreamAttachment attach(String org, String stream, String action, String outputTopic)
            throws TimeoutException {
        return attach(org, stream, action, outputTopic, null);
    }

    /** Attaches from {@code start}; see {@link #attach(String, String, String, String)}. */
    public synchronized StreamAttachment attach(String org, String stream, String action, String outputTopic,
            AttachmentStart start) throws TimeoutException {
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
        String input = TopicNames.logStream(org, stream);
        topics.ensure(List.of(
                TopicAdmin.events(input, partitions, replication),
                TopicAdmin.events(output, partitions, replication)));
        Optional<StreamAttachment> existing = attachment(org, stream, action);
        StreamAttachment.Builder attachment;
        if (start == null && existing.isPresent()) {
            attachment = StreamAttachment.newBuilder(existing.get());
        } else {
            AttachmentStart from = start == null ? AttachmentStart.LATEST : start;
            Map<String, Long> cutover = byPartition(topics.offsets(input, OffsetSpec.latest()));
            Map<String, Long> replayFrom = Map.of();
            if (from.replays()) {
                OffsetSpec spec = from.time().map(t -> OffsetSpec.forTimestamp(t.toEpochMilli()))
                        .orElseGet(OffsetSpec::earliest);
                replayFrom = new TreeMap<>(byPartition(topics.offsets(input, spec)));
                replayFrom.entrySet().removeIf(e -> e.getValue() >= cutover.getOrDefault(e.getKey(), 0L));
            }
            attachment = StreamAttachment.newBuilder().setStart(from.text()).setCutover(cutover)
                    .setReplayFrom(replayFrom)
                    .setReplayId(replayFrom.isEmpty() ? null : org + "." + stream + "." + action + "."
                            + UUID.randomUUID());
        }
        StreamAttachment stored = attachment.setOrg(org).setStream(stream).setAction(action).setOutputTopic(output)
                .build();
        attachments.put(attachmentKey(org, stream, action), stored, WRITE_TIMEOUT);
        return stored;
    }

    private static Map<String, Long> byPartition(Map<Integer, Long> offsets) {
        Map<String, Long> result = new TreeMap<>();
        offsets.forEach((partition, offset) -> result.put(Integer.toString(partition), offset));
        return result;
    }

    /**
     * Marks {@code replayId}'s replay as copied whole, so it never starts again (its group's offsets
     * expire in time); does nothing when the attachment is gone or has started anew since.
     */
    public synchronized void markReplayed(StreamAttachment replayedFor) throws TimeoutException {
        String key = attachmentKey(replayedFor.getOrg(), replayedFor.getStream(), replayedFor.getAction());
        Optional<StreamAttachment> now = attachments.get(key);
        if (now.isPresent() && Objects.equals(now.get().getReplayId(), replayedFor.getReplayId())
                && !now.get().getReplayed()) {
            attachments.put(key, StreamAttachment.newBuilder(now.get()).setReplayed(true).build(), WRITE_TIMEOUT);
        }
    }

    /** Hears every change of an attachment from now on ({@code before} or {@code after} null on add and remove). */
    public void listenAttachments(TableTopic.Listener<String, StreamAttachment> listener) {
        attachments.listen(listener);
    }

    /** Every attachment of every org. */
    public List<StreamAttachment> allAttachments() {
        return List.copyOf(attachments.snapshot().values());
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

    /**
     * The actions attached to {@code logs.<org>.<stream>}; asked for every record, so cheap. The same list
     * instance until the stream's attachments change, so a caller may keep what it derives from it.
     */
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
        versions.close();
        attachments.close();
    }
}
