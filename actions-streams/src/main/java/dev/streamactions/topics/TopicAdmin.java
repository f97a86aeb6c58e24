package dev.streamactions.topics;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.HashMap;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates the topics the application needs when they are missing. Topics that exist are left as they
 * are (an operator may have tuned them), but for the configs the application has a setting for.
 */
public final class TopicAdmin implements AutoCloseable {
    private final Admin admin;
    private final Duration timeout;

    public TopicAdmin(Properties clientProperties, Duration timeout) {
        this.admin = Admin.create(clientProperties);
        this.timeout = timeout;
    }

    /** A topic that holds a table: compacted, so the newest value of every key is kept forever. */
    public static NewTopic table(String name, int partitions, short replication) {
        return new NewTopic(name, partitions, replication)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    /** A topic that holds events, kept by the broker's retention. */
    public static NewTopic events(String name, int partitions, short replication) {
        return new NewTopic(name, partitions, replication);
    }

    /** Creates those of {@code topics} that do not exist yet. */
    public void ensure(Collection<NewTopic> topics) {
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            var results = admin.createTopics(missing).values();
            for (var entry : results.entrySet()) {
                try {
                    entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new KafkaException("could not create topic " + entry.getKey() + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            awaitVisible(missing.stream().map(NewTopic::name).toList());
        } catch (ExecutionException e) {
            throw new KafkaException("could not list topics: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("Kafka did not answer within " + timeout + " while creating topics", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while creating topics", e);
        }
    }

    /**
     * Waits until the brokers answer for the new topics: creation returns once the controller has them,
     * and a describe or a produce right after may still hear "unknown topic" from a broker.
     */
    private void awaitVisible(List<String> names) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                admin.describeTopics(names).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw new KafkaException("topics " + names + " were created but cannot be described: "
                            + e.getCause().getMessage(), e.getCause());
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * Sets one config of an existing topic: for the few the application owns as settings (the retention
     * of {@code actions.runs}), which win over what the topic was created with.
     */
    public void set(String topic, String config, String value) {
        var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(config, value),
                    AlterConfigOp.OpType.SET)))).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new KafkaException("could not set " + config + "=" + value + " on topic " + topic + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("Kafka did not answer within " + timeout + " while setting " + config + " on "
                    + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while setting " + config + " on " + topic, e);
        }
    }

    /** Whether {@code topic} exists. */
    public boolean exists(String topic) {
        try {
            return admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS).contains(topic);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("could not list topics: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while listing topics", e);
        }
    }

    /**
     * Per partition of {@code topic}, the offset {@code spec} names among its committed records: for
     * {@link OffsetSpec#latest()} the end a read_committed consumer sees; for a time, the first record at
     * or after it, or the end when there is none.
     */
    public Map<Integer, Long> offsets(String topic, OffsetSpec spec) {
        try {
            var description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic);
            Map<TopicPartition, OffsetSpec> query = new HashMap<>();
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            for (var partition : description.partitions()) {
                query.put(new TopicPartition(topic, partition.partition()), spec);
                ends.put(new TopicPartition(topic, partition.partition()), OffsetSpec.latest());
            }
            var options = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);
            var found = admin.listOffsets(query, options).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            var end = admin.listOffsets(ends, options).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Map<Integer, Long> result = new TreeMap<>();
            for (TopicPartition tp : query.keySet()) {
                long offset = found.get(tp).offset();
                result.put(tp.partition(), offset < 0 ? end.get(tp).offset() : offset);
            }
            return result;
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("could not read the offsets of " + topic + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while reading the offsets of " + topic, e);
        }
    }

    public Admin admin() {
        return admin;
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
