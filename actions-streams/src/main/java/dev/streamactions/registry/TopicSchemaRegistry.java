package dev.streamactions.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamactions.schemas.registry.CompatibilityResult;
import dev.streamactions.schemas.registry.RegisteredSchema;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.registry.SchemaRegistryException;
import dev.streamactions.tables.TableTopic;
import dev.streamactions.topics.TopicAdmin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in schema registry: Confluent's model (global ids, versions per subject, compatibility
 * levels) kept in the compacted, single-partition topic {@value #TOPIC}, which every instance reads
 * whole through a {@link TableTopic}.
 *
 * <p><b>Instances agree through the log, not through a leader.</b> A registration is a <em>claim</em>
 * record: "subject S, version v, id n, schema T". Every reader applies claims in log order and keeps a
 * claim only when it still fits what came before it: v is the subject's next version, T is not yet in
 * S, id n is free or already T's, and T has no other id. A claim that lost a race (another instance took
 * that version or id first) is therefore ignored by every reader alike, and its writer, which reads its
 * own write back, sees that, re-reads the newest state, checks compatibility again and tries again.
 * Claim keys carry a random token, so compaction never removes a claim and never reorders the ones that
 * decided; only configuration records (last write wins) are ever compacted away.
 *
 * <p>Thread-safe. Registrations of this instance are serialized (they are rare); reads are lock-free
 * with respect to Kafka.
 */
public final class TopicSchemaRegistry implements SchemaRegistry, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicSchemaRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The topic, named as Confluent's registry names its own. */
    public static final String TOPIC = "_schemas";
    /** Claims lost to other instances before a registration gives up: only under a storm of them. */
    private static final int MAX_ATTEMPTS = 20;

    private final TableTopic<String, JsonNode> table;
    private final Duration timeout;
    private final State state = new State();
    private final ReentrantLock registering = new ReentrantLock();

    private TopicSchemaRegistry(TableTopic<String, JsonNode> table, Duration timeout) {
        this.table = table;
        this.timeout = timeout;
    }

    /**
     * Creates {@value #TOPIC} when missing (one partition, compacted, {@code replicationFactor}
     * replicas), reads it whole and answers the registry.
     *
     * @param clientProperties at least {@code bootstrap.servers}, plus the cluster's security settings
     * @param timeout for each Kafka operation: reading the topic at start, each write
     * @throws IllegalStateException when {@value #TOPIC} exists with more than one partition
     */
    public static TopicSchemaRegistry start(Properties clientProperties, short replicationFactor, Duration timeout) {
        return start(TOPIC, clientProperties, replicationFactor, timeout);
    }

    /** As {@link #start(Properties, short, Duration)} on another topic (tests). */
    static TopicSchemaRegistry start(String topic, Properties clientProperties, short replicationFactor,
            Duration timeout) {
        try (TopicAdmin admin = new TopicAdmin(clientProperties, timeout)) {
            admin.ensure(List.of(TopicAdmin.table(topic, 1, replicationFactor)));
            TopicDescription description = admin.admin().describeTopics(List.of(topic)).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic);
            if (description.partitions().size() != 1) {
                throw new IllegalStateException("The topic " + topic + " has " + description.partitions().size()
                        + " partitions; the built-in schema registry needs exactly one, because the order of"
                        + " its records decides ids and versions. Recreate it with one partition, or set"
                        + " schema.registry.url to use another registry.");
            }
        } catch (ExecutionException e) {
            throw new KafkaException("could not describe " + topic + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("Kafka did not describe " + topic + " within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while describing " + topic, e);
        }
        TableTopic<String, JsonNode> table = new TableTopic<>(topic, clientProperties, new TableTopic.Codec<>(
                key -> key.getBytes(StandardCharsets.UTF_8),
                bytes -> new String(bytes, StandardCharsets.UTF_8),
                TopicSchemaRegistry::writeJson,
                TopicSchemaRegistry::readJson));
        TopicSchemaRegistry registry = new TopicSchemaRegistry(table, timeout);
        table.listen(registry::apply);
        try {
            table.start(timeout);
        } catch (TimeoutException | RuntimeException e) {
            table.close();
            throw new KafkaException("could not read " + topic + " within " + timeout + ": " + e.getMessage(), e);
        }
        return registry;
    }

    // ---------------------------------------------------------------------------------------------
    // SchemaRegistry

    @Override
    public int register(String subject, Schema schema) {
        return registerVersion(subject, schema).id();
    }

    /** As {@link #register}, answering the version too. */
    public RegisteredSchema registerVersion(String subject, Schema schema) {
        requireSubject(subject);
        String text = schema.toString();
        registering.lock();
        try {
            for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
                catchUp();
                Claim claim;
                synchronized (state) {
                    Optional<RegisteredSchema> known = state.find(subject, text);
                    if (known.isPresent()) {
                        return known.get();
                    }
                    List<String> problems = levelFor(subject).problems(schema, state.versions(subject));
                    if (!problems.isEmpty()) {
                        throw new SchemaRegistryException("Schema being registered is incompatible with an earlier"
                                + " schema for subject \"" + subject + "\": " + String.join("; ", problems),
                                409, 409);
                    }
                    Integer id = state.idByText.get(text);
                    claim = new Claim(subject, state.versionCount(subject) + 1,
                            id != null ? id : state.nextId(), text);
                }
                write(claimKey(claim), claim.toJson());
                synchronized (state) {
                    Optional<RegisteredSchema> won = state.find(subject, text);
                    if (won.isPresent()) {
                        return won.get();
                    }
                }
                log.debug("Registration of {} version {} lost to another instance (attempt {}); trying again",
                        subject, claim.version(), attempt);
            }
        } finally {
            registering.unlock();
        }
        throw new SchemaRegistryException("Could not register a schema under \"" + subject + "\": other instances"
                + " registered under it " + MAX_ATTEMPTS + " times while this one tried; try again", 500, 50001);
    }

    @Override
    public Schema schemaById(int id) {
        Schema schema = state.parsedById.get(id);
        if (schema == null) {
            // Another instance may have registered it a moment ago.
            catchUp();
            schema = state.parsedById.get(id);
        }
        if (schema == null) {
            throw new SchemaRegistryException("Schema " + id + " not found", 404, 40403);
        }
        return schema;
    }

    @Override
    public RegisteredSchema latest(String subject) {
        return version(subject, -1);
    }

    /**
     * Against the latest version under the subject's level (every earlier version for a
     * {@code _TRANSITIVE} level); a subject with no versions accepts anything, as Confluent's does.
     */
    @Override
    public CompatibilityResult testCompatibility(String subject, Schema schema) {
        requireSubject(subject);
        catchUp();
        List<String> problems;
        synchronized (state) {
            problems = levelFor(subject).problems(schema, state.versions(subject));
        }
        return new CompatibilityResult(problems.isEmpty(), problems);
    }

    // ---------------------------------------------------------------------------------------------
    // The rest of the REST API's model

    /**
     * Subjects with at least one version, sorted. Like every answer that a version registered on another
     * instance a moment ago could change, it is given after reading the topic to its end.
     */
    public List<String> subjects() {
        catchUp();
        synchronized (state) {
            return List.copyOf(state.subjects.keySet());
        }
    }

    /** The versions of {@code subject}, 1 to n; 40401 when it has none. */
    public List<Integer> versions(String subject) {
        catchUp();
        synchronized (state) {
            int count = requireKnown(subject);
            List<Integer> versions = new ArrayList<>(count);
            for (int v = 1; v <= count; v++) {
                versions.add(v);
            }
            return versions;
        }
    }

    /** Version {@code version} of {@code subject}, or its latest for {@code -1}; 40401 or 40402 when missing. */
    public RegisteredSchema version(String subject, int version) {
        if (version == -1) {
            catchUp(); // the latest may be one another instance has just registered
        }
        RegisteredSchema found = findVersion(subject, version);
        if (found == null) {
            catchUp();
            found = findVersion(subject, version);
        }
        if (found == null) {
            synchronized (state) {
                requireKnown(subject);
            }
            throw new SchemaRegistryException("Version " + version + " not found for subject \"" + subject
                    + "\"", 404, 40402);
        }
        return found;
    }

    private RegisteredSchema findVersion(String subject, int version) {
        synchronized (state) {
            List<Integer> ids = state.subjects.get(subject);
            if (ids == null) {
                return null;
            }
            int v = version == -1 ? ids.size() : version;
            if (v < 1 || v > ids.size()) {
                return null;
            }
            int id = ids.get(v - 1);
            return new RegisteredSchema(subject, id, v, state.parsedById.get(id));
        }
    }

    /** The version of {@code subject} that holds {@code schema}: 40401 for no subject, 40403 for no such schema. */
    public RegisteredSchema lookup(String subject, Schema schema) {
        String text = schema.toString();
        Optional<RegisteredSchema> found;
        synchronized (state) {
            found = state.find(subject, text);
        }
        if (found.isEmpty()) {
            catchUp();
            synchronized (state) {
                found = state.find(subject, text);
                if (found.isEmpty()) {
                    requireKnown(subject);
                }
            }
        }
        return found.orElseThrow(() -> new SchemaRegistryException("Schema not found under subject \"" + subject
                + "\"", 404, 40403));
    }

    /**
     * Whether {@code schema} could follow version {@code version} of {@code subject} (the latest for
     * {@code -1}, then as {@link #testCompatibility}), in the direction of the subject's level.
     */
    public CompatibilityResult testCompatibility(String subject, int version, Schema schema) {
        if (version == -1) {
            return testCompatibility(subject, schema);
        }
        RegisteredSchema against = version(subject, version);
        CompatibilityLevel level = levelFor(subject);
        CompatibilityLevel direct = level.transitive() ? CompatibilityLevel.valueOf(level.name().replace("_TRANSITIVE", ""))
                : level;
        List<String> problems = direct.problems(schema,
                List.of(new CompatibilityLevel.Version(against.version(), against.schema())));
        return new CompatibilityResult(problems.isEmpty(), problems);
    }

    /** The global level: the configured one, or {@link CompatibilityLevel#DEFAULT}. */
    public CompatibilityLevel globalLevel() {
        synchronized (state) {
            return state.globalLevel != null ? state.globalLevel : CompatibilityLevel.DEFAULT;
        }
    }

    /** The level set for {@code subject} itself, if any. */
    public Optional<CompatibilityLevel> subjectLevel(String subject) {
        synchronized (state) {
            return Optional.ofNullable(state.subjectLevels.get(subject));
        }
    }

    /** The level that applies to {@code subject}: its own, else the global one. */
    public CompatibilityLevel levelFor(String subject) {
        return subjectLevel(subject).orElseGet(this::globalLevel);
    }

    /** Sets the global level. */
    public void setGlobalLevel(CompatibilityLevel level) {
        write(configKey(null), configValue(level));
    }

    /** Sets {@code subject}'s level; {@code null} removes it, so the global level applies again. */
    public void setSubjectLevel(String subject, CompatibilityLevel level) {
        requireSubject(subject);
        write(configKey(subject), level == null ? null : configValue(level));
    }

    @Override
    public void close() {
        table.close();
    }

    // ---------------------------------------------------------------------------------------------
    // The log

    private record Claim(String subject, int version, int id, String schema) {
        JsonNode toJson() {
            return JSON.createObjectNode().put("subject", subject).put("version", version).put("id", id)
                    .put("schemaType", "AVRO").put("schema", schema);
        }
    }

    /** A random token in the key: no two claims share a key, so compaction keeps every one in its place. */
    private static String claimKey(Claim claim) {
        return JSON.createObjectNode().put("keytype", "SCHEMA").put("subject", claim.subject())
                .put("version", claim.version()).put("claim", UUID.randomUUID().toString()).toString();
    }

    private static String configKey(String subject) {
        ObjectNode key = JSON.createObjectNode().put("keytype", "CONFIG");
        if (subject != null) {
            key.put("subject", subject);
        }
        return key.toString();
    }

    private static JsonNode configValue(CompatibilityLevel level) {
        return JSON.createObjectNode().put("compatibilityLevel", level.name());
    }

    /** Applies one record of the log, on the table's reader thread, in log order. */
    private void apply(String keyText, JsonNode before, JsonNode value) {
        JsonNode key = readJson(keyText.getBytes(StandardCharsets.UTF_8));
        String type = key.path("keytype").asText();
        synchronized (state) {
            switch (type) {
                case "SCHEMA" -> {
                    if (value != null && before == null) {
                        applyClaim(value);
                    }
                }
                case "CONFIG" -> {
                    CompatibilityLevel level = value == null ? null
                            : CompatibilityLevel.parse(value.path("compatibilityLevel").asText());
                    if (key.hasNonNull("subject")) {
                        if (level == null) {
                            state.subjectLevels.remove(key.get("subject").asText());
                        } else {
                            state.subjectLevels.put(key.get("subject").asText(), level);
                        }
                    } else {
                        state.globalLevel = level;
                    }
                }
                default -> log.warn("Skipped a record of {} with an unknown key type: {}", table.topic(), keyText);
            }
        }
    }

    private void applyClaim(JsonNode value) {
        String subject = value.path("subject").asText();
        int version = value.path("version").asInt(-1);
        int id = value.path("id").asInt(-1);
        String text = value.path("schema").asText();
        if (state.find(subject, text).isPresent()
                || version != state.versionCount(subject) + 1
                || (state.textById.containsKey(id) && !state.textById.get(id).equals(text))
                || (state.idByText.containsKey(text) && state.idByText.get(text) != id)) {
            return; // lost a race: every reader ignores it alike
        }
        Schema schema;
        try {
            schema = state.parsedById.containsKey(id) ? state.parsedById.get(id) : new Schema.Parser().parse(text);
        } catch (SchemaParseException e) {
            log.warn("Skipped a schema of {} that Avro cannot parse (subject {}, id {}): {}", table.topic(), subject, id,
                    e.getMessage());
            return;
        }
        state.textById.put(id, text);
        state.parsedById.put(id, schema);
        state.idByText.put(text, id);
        state.subjects.computeIfAbsent(subject, s -> new ArrayList<>()).add(id);
    }

    private void write(String key, JsonNode value) {
        try {
            table.put(key, value, timeout);
        } catch (TimeoutException e) {
            throw new SchemaRegistryException("The schema registry's topic " + table.topic() + " did not take a write within "
                    + timeout + ": " + e.getMessage(), 500, 50002, e);
        } catch (KafkaException e) {
            throw new SchemaRegistryException("The schema registry could not write to " + table.topic() + ": "
                    + e.getMessage(), 500, 50001, e);
        }
    }

    private void catchUp() {
        try {
            table.catchUp(timeout);
        } catch (TimeoutException e) {
            throw new SchemaRegistryException("The schema registry could not read " + table.topic() + " to its end within "
                    + timeout + ": " + e.getMessage(), 500, 50002, e);
        } catch (KafkaException | IllegalStateException e) {
            throw new SchemaRegistryException("The schema registry could not read " + table.topic() + ": "
                    + e.getMessage(), 500, 50001, e);
        }
    }

    private int requireKnown(String subject) {
        List<Integer> ids = state.subjects.get(subject);
        if (ids == null) {
            throw new SchemaRegistryException("Subject \"" + subject + "\" not found", 404, 40401);
        }
        return ids.size();
    }

    private static void requireSubject(String subject) {
        Objects.requireNonNull(subject, "subject");
        if (subject.isBlank()) {
            throw new SchemaRegistryException("The subject is empty; name it after the topic, e.g."
                    + " \"logs.default.app-value\"", 422, 42208);
        }
    }

    private static byte[] writeJson(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode readJson(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON", e);
        }
    }

    /** What the log decided so far; guarded by its own monitor. */
    private static final class State {
        final Map<Integer, String> textById = new HashMap<>();
        /** Also read without the monitor (schemaById's hot path): schemas never change under an id. */
        final Map<Integer, Schema> parsedById = new ConcurrentHashMap<>();
        final Map<String, Integer> idByText = new HashMap<>();
        /** Ids of each subject's versions, version 1 first. */
        final Map<String, List<Integer>> subjects = new TreeMap<>();
        final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
        CompatibilityLevel globalLevel;

        int versionCount(String subject) {
            List<Integer> ids = subjects.get(subject);
            return ids == null ? 0 : ids.size();
        }

        int nextId() {
            return textById.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        }

        Optional<RegisteredSchema> find(String subject, String text) {
            Integer id = idByText.get(text);
            List<Integer> ids = subjects.get(subject);
            if (id == null || ids == null) {
                return Optional.empty();
            }
            int index = ids.indexOf(id);
            return index < 0 ? Optional.empty()
                    : Optional.of(new RegisteredSchema(subject, id, index + 1, parsedById.get(id)));
        }

        List<CompatibilityLevel.Version> versions(String subject) {
            List<Integer> ids = subjects.getOrDefault(subject, List.of());
            List<CompatibilityLevel.Version> versions = new ArrayList<>(ids.size());
            for (int i = 0; i < ids.size(); i++) {
                versions.add(new CompatibilityLevel.Version(i + 1, parsedById.get(ids.get(i))));
            }
            return versions;
        }
    }
}
