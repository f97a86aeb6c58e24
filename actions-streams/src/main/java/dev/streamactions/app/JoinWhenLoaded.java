package dev.streamactions.app;

import dev.streamactions.config.ActionsConfig;
import dev.streamactions.runs.LoadedActions;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the streams application once the actions known now have loaded, or after {@code join.wait.ms}, when
 * another instance is in the group: joining at once would take partitions from it (this one's own back, after a
 * restart) whose records would then wait for GraalPy's cold start, while the other could run them. Alone, it
 * joins at once: the records wait for the loads either way, each action's only for its own, and the join and
 * the state's restoration overlap the loads.
 *
 * <p>When this instance's previous process is still a member (it crashed: a clean stop leaves the group), the
 * others would wait for its session to end before they take its partitions over, and then for its open
 * transactions to time out before they may read its partitions' offsets. A restarted instance ends both
 * sooner: first thing at start ({@link #handOver}) it removes its previous static members from the group,
 * which rebalances it now; once its streams exist it fences their transactional ids, which the data folder
 * keeps across restarts, so the broker aborts what the crashed process left open.
 */
final class JoinWhenLoaded implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(JoinWhenLoaded.class);
    private static final long ADMIN_TIMEOUT_MS = 10_000;

    private final KafkaStreams streams;
    private final LoadedActions actions;
    private final Properties client;
    private final CompletableFuture<Group> group;
    private final Duration wait;
    private final Supplier<List<String>> transactionalIds;

    /**
     * @param group what {@link #handOver} found
     * @param transactionalIds the transactional ids of the stream threads' producers
     */
    JoinWhenLoaded(KafkaStreams streams, LoadedActions actions, Properties client, CompletableFuture<Group> group,
                   Duration wait, Supplier<List<String>> transactionalIds) {
        this.streams = streams;
        this.actions = actions;
        this.client = client;
        this.group = group;
        this.wait = wait;
        this.transactionalIds = transactionalIds;
    }

    /** Who was in the group at start, as far as this instance is concerned. */
    record Group(boolean others, List<String> leftBehind) {
        /** What is assumed when the group cannot be described: someone else, nothing of this instance. */
        static final Group UNKNOWN = new Group(true, List.of());
        static final Group EMPTY = new Group(false, List.of());
    }

    /**
     * First thing at start, on a thread of its own: who is in the group; and when others are, this instance's
     * crashed process (its static members, whose ids start with {@code instanceId}) removed from it. Nothing
     * when {@code join.wait.ms} is 0: the instance then joins at once, and its static members take their old
     * places back.
     */
    static CompletableFuture<Group> handOver(Properties client, String applicationId, String instanceId,
                                             Duration wait) {
        if (wait.isZero()) {
            return CompletableFuture.completedFuture(Group.EMPTY);
        }
        return CompletableFuture.supplyAsync(() -> {
            try (Admin admin = Admin.create(client)) {
                Group group = describe(admin, applicationId, instanceId);
                if (group.others() && !group.leftBehind().isEmpty()) {
                    removeMembers(admin, applicationId, group.leftBehind());
                }
                return group;
            }
        }, task -> Thread.ofPlatform().daemon().name("streams-hand-over").start(task));
    }

    @Override
    public void run() {
        if (wait.isZero()) {
            log.info("Joining the stream application's group at once: {} is 0", ActionsConfig.JOIN_WAIT_MS);
            streams.start();
            return;
        }
        Group found;
        try {
            found = group.get();
        } catch (InterruptedException e) {
            return; // stopped before it joined
        } catch (ExecutionException e) {
            found = Group.UNKNOWN;
        }
        if (!found.others()) {
            log.info("Joining the stream application's group at once: no other instance is in it");
            streams.start();
            return;
        }
        if (!found.leftBehind().isEmpty()) {
            fence(transactionalIds.get());
        }
        long started = System.nanoTime();
        int loading;
        try {
            loading = actions.awaitKnown(wait);
        } catch (InterruptedException e) {
            return; // stopped before it joined
        }
        long waited = (System.nanoTime() - started) / 1_000_000;
        if (loading == 0) {
            log.info("Joining the stream application's group: {} action(s) loaded after {} ms", actions.size(),
                    waited);
        } else {
            log.warn("Joining the stream application's group with {} action(s) still loading after {} ms ({})",
                    loading, waited, ActionsConfig.JOIN_WAIT_MS);
        }
        streams.start();
    }

    /**
     * Whether an instance other than this one is in the group, and which static members of this instance's
     * previous process are still there. When that cannot be known: {@link Group#UNKNOWN} (waiting for the loads
     * is the safe side).
     */
    private static Group describe(Admin admin, String applicationId, String instanceId) {
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(applicationId)).all()
                    .get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS).get(applicationId);
            Predicate<MemberDescription> ours = m -> m.groupInstanceId().map(id -> id.startsWith(instanceId))
                    .orElse(false);
            return new Group(group.members().stream().anyMatch(ours.negate()), group.members().stream()
                    .filter(ours).map(m -> m.groupInstanceId().orElseThrow()).toList());
        } catch (ExecutionException e) {
            if (ActionsApplication.causedBy(e, GroupIdNotFoundException.class)) {
                return Group.EMPTY;
            }
            log.warn("Cannot tell who else is in group {} ({}): waiting for the actions to load before joining",
                    applicationId, e.getCause().getMessage());
            return Group.UNKNOWN;
        } catch (TimeoutException e) {
            log.warn("Cannot tell who else is in group {} (no answer): waiting for the actions to load before"
                    + " joining", applicationId);
            return Group.UNKNOWN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Group.UNKNOWN;
        }
    }

    /** Removes this instance's crashed process from the group; if that fails, its session ends it as before. */
    private static void removeMembers(Admin admin, String applicationId, List<String> leftBehind) {
        try {
            admin.removeMembersFromConsumerGroup(applicationId, new RemoveMembersFromConsumerGroupOptions(
                    leftBehind.stream().map(MemberToRemove::new).toList())).all()
                    .get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            log.info("This instance's previous process was still in group {} (a crash): removed its members {}, so"
                    + " the other instances take its partitions over now", applicationId, leftBehind);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Could not remove this instance's previous process from group {} ({}): the other instances"
                    + " take its partitions over when its session times out", applicationId, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Opens each transactional id under a new epoch: the broker aborts what was open under the old one now, not
     * when it times out. If that fails, the timeout ends it as before.
     */
    private void fence(List<String> ids) {
        long started = System.nanoTime();
        try {
            for (String transactionalId : ids) {
                Properties p = new Properties();
                p.putAll(client);
                p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
                p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) ADMIN_TIMEOUT_MS);
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                        new ByteArraySerializer())) {
                    producer.initTransactions();
                }
            }
            log.info("Fenced the transactions of this instance's previous process {} in {} ms", ids,
                    (System.nanoTime() - started) / 1_000_000);
        } catch (KafkaException e) {
            log.warn("Could not fence the transactions of this instance's previous process {} ({}): the broker aborts"
                    + " them when they time out", ids, e.getMessage());
        }
    }
}
