package dev.streamactions.app;

import static dev.streamactions.app.StreamsTestKit.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamactions.broker.EmbeddedKafka;
import dev.streamactions.cli.Cli;
import dev.streamactions.config.ActionsConfig;
import dev.streamactions.definitions.ActionDefinitions;
import dev.streamactions.definitions.ActionId;
import dev.streamactions.iam.Iam;
import dev.streamactions.iam.Permission;
import dev.streamactions.registry.TopicSchemaRegistry;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.scripts.FolderScriptStore;
import dev.streamactions.topics.TopicAdmin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of {@code ./actions start} on one cluster, at the default settings, share the partitions.
 * One is killed with SIGKILL (kill -9) while records flow and the other takes its work over; the killed one
 * is restarted on its data folder, killed and restarted again at once (records keep coming meanwhile); then
 * the other is stopped cleanly.
 * After each, every input record so far has exactly one output record, none lost, none repeated (read
 * committed, as a downstream consumer reads). The time each fail-over took is printed for BENCHMARKS.md.
 *
 * <p>The cluster is an embedded broker in this JVM; the instances are separate processes started by
 * the real launcher, so the kill is a real crash.
 */
class ScaleOutIT {
    private static final int RECORDS = 800;
    private static final Duration DEADLINE = Duration.ofMinutes(5);
    private static final String APPLICATION_ID = "stream-actions";

    @TempDir
    Path tmp;
    private final List<Process> instances = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        instances.forEach(Process::destroyForcibly);
    }

    @Test
    void killingOneOfTwoInstancesLosesNothingAndRepeatsNothing() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0)) {
            Properties client = new Properties();
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            Path scripts = tmp.resolve("scripts");
            try (TopicAdmin topics = new TopicAdmin(client, Duration.ofSeconds(30));
                 TopicSchemaRegistry registry = TopicSchemaRegistry.start(client, (short) 1, Duration.ofSeconds(30));
                 ActionDefinitions definitions = ActionDefinitions.open(client, registry, topics, 4, (short) 1,
                         Duration.ofSeconds(30), (key, before, after) -> { });
                 Iam iam = Iam.open(client, topics, Iam.Settings.from(new ActionsConfig(Map.of(
                         ActionsConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers()))), Clock.systemUTC())) {
                iam.putRole("default", "runner", List.of(new Permission("action_scripts", Set.of("GET"))));
                iam.createServiceAccount("default", "runner@example.com", List.of("runner"));
                String sha = new FolderScriptStore(scripts).put(StreamsTestKit.zip("""
                        def main(data, logger):
                            return [dict(r, done=True) for r in data]
                        """));
                definitions.define(new ActionDefinitions.Draft(new ActionId("default", "mark"), ActionType.realtime,
                        "", "runner@example.com", Map.of(), null, sha));
                definitions.attach("default", "orders", "mark", "orders_marked");

                Map<String, Process> byName = Map.of(
                        "first", startInstance(kafka, scripts, "first"),
                        "second", startInstance(kafka, scripts, "second"));
                // The victim is an instance that owns partitions of the stream, so its work must move.
                String victim;
                try (Admin admin = Admin.create(client)) {
                    await().atMost(DEADLINE).until(() -> owners(admin).size() == 2);
                    Map<String, Long> owners = owners(admin);
                    victim = owners.get("second") > 0 ? "second" : "first";
                    assertThat(owners.get(victim)).as("stream partitions per instance: %s", owners).isPositive();
                }
                String survivor = victim.equals("first") ? "second" : "first";

                // 1. kill -9 of the instance that owns stream partitions, while records flow.
                StreamsTestKit.produce(kafka.bootstrapServers(), "logs.default.orders", inputs(0, 200));
                StreamsTestKit.readUntil(kafka.bootstrapServers(), "orders_marked", out -> out.size() >= 25);
                Process killed = byName.get(victim);
                long killedAt = System.nanoTime();
                killed.destroyForcibly(); // SIGKILL: no close, no commit, an open transaction left behind
                assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
                produceAndAwait(kafka, 200, 400);
                report("after kill -9 of one of two instances, the other took over in", killedAt);
                assertThat(byName.get(survivor).isAlive()).as(log(survivor)).isTrue();

                // 2. The killed instance restarted on its data folder: the same static member, which joins once its
                // action has loaded; until then the survivor runs the records (after the old session ends). It runs
                // with a 30 s session, so that when it is killed in turn, its successor surely finds it still in the
                // group (a JVM's start here takes 3-6 s, the default session 6 s): the step measures the hand-over,
                // without which its records would wait those 30 s.
                Process restarted = launch(kafka, scripts, victim, "streams.consumer.session.timeout.ms=30000")
                        .awaitUp();
                try (Admin admin = Admin.create(client)) {
                    await().atMost(DEADLINE).until(() -> owners(admin).size() == 2);
                }
                long restartKilledAt = System.nanoTime();
                restarted.destroyForcibly();
                assertThat(restarted.waitFor(30, TimeUnit.SECONDS)).isTrue();
                // Records keep coming while it restarts: the stream resumes when their outputs are in.
                StreamsTestKit.produce(kafka.bootstrapServers(), "logs.default.orders", inputs(400, 500));
                Starting starting = launch(kafka, scripts, victim);
                awaitOutputs(kafka, 500);
                report("kill -9 and a restart on the same data folder: the records produced meanwhile all out after",
                        restartKilledAt);
                starting.awaitUp();
                report("(the restarted ./actions start printed that it is up after", restartKilledAt, starting.upAt());
                produceAndAwait(kafka, 500, 600);
                report("kill -9 and a restart on the same data folder: records produced once it is up all out after",
                        restartKilledAt);
                // The crashed process was still a member (its session had not ended): the restarted one removed
                // it, so the survivor took over without waiting for the session's end.
                await().atMost(DEADLINE).untilAsserted(() -> assertThat(log(victim))
                        .contains("previous process was still in group"));
                try (Admin admin = Admin.create(client)) {
                    await().atMost(DEADLINE).until(() -> owners(admin).size() == 2);
                }
                report("(and the restarted instance, its action loaded, owned partitions again after", restartKilledAt);

                // 3. A clean stop (SIGTERM, as Ctrl-C) of the survivor: it leaves the group, the other takes over.
                Process stopped = byName.get(survivor);
                long stoppedAt = System.nanoTime();
                stopped.destroy();
                assertThat(stopped.waitFor(60, TimeUnit.SECONDS)).as(log(survivor)).isTrue();
                produceAndAwait(kafka, 600, RECORDS);
                report("after a clean stop of one of two instances, the other took over in", stoppedAt);
            }
        }
    }

    /**
     * Produces inputs {@code from} to {@code to} and waits until every input so far has exactly one output
     * (read committed, as a downstream consumer reads).
     */
    private static void produceAndAwait(EmbeddedKafka kafka, int from, int to) throws Exception {
        StreamsTestKit.produce(kafka.bootstrapServers(), "logs.default.orders", inputs(from, to));
        awaitOutputs(kafka, to);
    }

    /** Waits until the first {@code to} inputs have exactly one output each (read committed). */
    private static void awaitOutputs(EmbeddedKafka kafka, int to) throws Exception {
        List<ConsumerRecord<byte[], byte[]>> out = StreamsTestKit.readUntil(kafka.bootstrapServers(),
                "orders_marked", rs -> rs.size() >= to);
        assertThat(out).extracting(r -> text(r.key())).doesNotHaveDuplicates().hasSize(to);
        assertThat(out).allSatisfy(r -> assertThat(text(r.value())).contains("\"done\":true"));
    }

    private static List<String[]> inputs(int from, int to) {
        List<String[]> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            records.add(new String[] {"order-" + i, "{\"order\":" + i + "}"});
        }
        return records;
    }

    /** Fail-over times go to the test's output for BENCHMARKS.md; a test never asserts on timings. */
    private static void report(String what, long since) {
        report(what, since, System.nanoTime());
    }

    private static void report(String what, long since, long until) {
        System.out.printf("ScaleOutIT: %s %.1f s%n", what, (until - since) / 1e9);
    }

    private Process startInstance(EmbeddedKafka kafka, Path scripts, String name) throws Exception {
        return launch(kafka, scripts, name).awaitUp();
    }

    /** Launches an instance with the test's settings and {@code more} ({@code name=value}); does not wait. */
    private Starting launch(EmbeddedKafka kafka, Path scripts, String name, String... more) throws Exception {
        // A restart of an instance uses the same folder, so its data folder and instance id.
        Path home = Files.createDirectories(tmp.resolve(name));
        List<String> ports = StreamsTestKit.freePorts(2);
        List<String> command = new ArrayList<>(List.of(Cli.repositoryRoot().resolve("actions").toString(), "start",
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--http-port", ports.get(0),
                "--set", "schema.registry.port=" + ports.get(1),
                "--set", "script.store.dir=" + scripts,
                "--set", "topic.partitions=4",
                "--set", "batch.max.records=25",
                // Names the instance's consumers, so the test knows which process owns what.
                "--set", "streams.client.id=" + name));
        for (String setting : more) {
            command.addAll(List.of("--set", setting));
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve(name + ".log").toFile()));
        builder.environment().put("ACTIONS_NO_BUILD", "1");
        builder.environment().put("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
        long startsBefore = starts(name);
        Process process = builder.start();
        instances.add(process);
        return new Starting(name, process, startsBefore);
    }

    /** An instance launched, maybe not up yet; a thread of its own notes when its log first says it is up. */
    private final class Starting {
        private final Process process;
        private final CompletableFuture<Long> up = new CompletableFuture<>();

        Starting(String name, Process process, long startsBefore) {
            this.process = process;
            Thread.ofVirtual().start(() -> {
                try {
                    await().atMost(DEADLINE).until(() -> {
                        assertThat(process.isAlive()).as("%s ended: %s", name, log(name)).isTrue();
                        return starts(name) > startsBefore;
                    });
                    up.complete(System.nanoTime());
                } catch (Throwable e) {
                    up.completeExceptionally(e);
                }
            });
        }

        /** Waits until the instance's log says it is up (one more time than before it was launched). */
        Process awaitUp() throws Exception {
            try {
                up.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw (Exception) e.getCause();
            }
            return process;
        }

        /** When it was first seen up ({@link System#nanoTime}); only after {@link #awaitUp}. */
        long upAt() {
            return up.join();
        }
    }

    /**
     * The instances in the application's group with an assignment, by the client id each was given, and how
     * many partitions of the stream each owns; none before the first instance has joined (an instance joins
     * once its actions are loaded).
     */
    private static Map<String, Long> owners(Admin admin) throws Exception {
        Map<String, Long> owners = new java.util.HashMap<>();
        ConsumerGroupDescription group;
        try {
            group = admin.describeConsumerGroups(List.of(APPLICATION_ID)).all()
                    .get(30, TimeUnit.SECONDS).get(APPLICATION_ID);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                return owners;
            }
            throw e;
        }
        for (MemberDescription member : group.members()) {
            if (member.assignment().topicPartitions().isEmpty()) {
                continue;
            }
            String instance = member.clientId().startsWith("first") ? "first" : "second";
            owners.merge(instance, member.assignment().topicPartitions().stream()
                    .filter(p -> p.topic().equals("logs.default.orders")).count(), Long::sum);
        }
        return owners;
    }

    /** How many times the instance's log says it is up. */
    private long starts(String name) {
        return log(name).lines().filter(line -> line.contains("Ctrl-C stops it.")).count();
    }

    private String log(String name) {
        try {
            return Files.readString(tmp.resolve(name + ".log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

}
