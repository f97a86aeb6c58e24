package dev.streamactions.broker;

import static dev.streamactions.broker.KafkaTestClients.DEADLINE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One embedded broker on a free port for the whole class; every client talks to it over the socket. */
class EmbeddedKafkaTest {


    @TempDir
    static Path dataDir;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(dataDir.resolve("kafka"), 0);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void answersOnAFreePortAndStoresItsDataInTheGivenFolder() throws Exception {
        assertThat(kafka.port()).isPositive().isNotEqualTo(EmbeddedKafka.DEFAULT_PORT);
        assertThat(kafka.bootstrapServers()).isEqualTo("localhost:" + kafka.port());
        assertThat(kafka.dataDir().resolve(EmbeddedKafka.META_PROPERTIES)).isRegularFile();
        try (Admin admin = KafkaTestClients.admin(kafka)) {
            assertThat(admin.describeCluster().nodes().get()).hasSize(1);
            assertThat(admin.describeCluster().clusterId().get()).isEqualTo(kafka.clusterId());
        }
    }

    @Test
    void aTakenPortFailsTheStartWithTheReason() throws Exception {
        assertThatThrownBy(() -> EmbeddedKafka.start(dataDir.resolve("second"), kafka.port()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("localhost:" + kafka.port())
                .hasMessageContaining("Address already in use");
        // the running broker is untouched
        try (Admin admin = KafkaTestClients.admin(kafka)) {
            assertThat(admin.describeCluster().clusterId().get()).isEqualTo(kafka.clusterId());
        }
    }

    @Test
    void createsATopicAndProducesAndConsumesARecord() throws Exception {
        KafkaTestClients.createTopic(kafka, "logs.default.k8s");
        try (Admin admin = KafkaTestClients.admin(kafka)) {
            assertThat(admin.listTopics().names().get()).contains("logs.default.k8s");
        }

        KafkaTestClients.produce(kafka, "logs.default.k8s", "pod-1", "{\"message\":\"hello\"}");

        List<ConsumerRecord<String, String>> records =
                KafkaTestClients.consume(kafka, "logs.default.k8s", 1, "read_uncommitted");
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo("pod-1");
            assertThat(r.value()).isEqualTo("{\"message\":\"hello\"}");
        });
    }

    @Test
    void doesNotCreateTopicsAutomatically() throws Exception {
        Properties config = KafkaTestClients.producerConfig(kafka);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            // The producer waits max.block.ms for metadata of a topic that never appears.
            assertThat(producer.send(new ProducerRecord<>("never.created", "v")))
                    .failsWithin(DEADLINE)
                    .withThrowableOfType(ExecutionException.class);
        }
        try (Admin admin = KafkaTestClients.admin(kafka)) {
            assertThat(admin.listTopics().names().get()).doesNotContain("never.created");
        }
    }

    @Test
    void aTransactionalProducerCommits() throws Exception {
        KafkaTestClients.createTopic(kafka, "tx.out");
        Properties config = KafkaTestClients.producerConfig(kafka);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-kafka-test");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            // Needs the transaction-state topic, which only exists with replication factor 1 here.
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("tx.out", "k", "committed-1"));
            producer.send(new ProducerRecord<>("tx.out", "k", "committed-2"));
            producer.commitTransaction();
        }

        List<ConsumerRecord<String, String>> records = KafkaTestClients.consume(kafka, "tx.out", 2, "read_committed");
        assertThat(records).extracting(ConsumerRecord::value).containsExactly("committed-1", "committed-2");
        try (Admin admin = KafkaTestClients.admin(kafka)) {
            assertThat(admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
                    .names().get()).contains("__transaction_state");
        }
    }

    @Test
    void kcatProducesAndConsumesAJsonRecord() throws Exception {
        Kcat.requireInstalled();
        KafkaTestClients.createTopic(kafka, "logs.default.kcat");
        String json = "{\"level\":\"error\",\"message\":\"disk full\",\"kubernetes\":{\"pod\":\"api-1\"}}";

        Kcat.Result produced = Kcat.run(kafka.bootstrapServers(), json + "\n", "-t", "logs.default.kcat", "-P");
        assertThat(produced.exitCode()).as("kcat -P failed: %s", produced.stderr()).isZero();

        Kcat.Result consumed = Kcat.run(kafka.bootstrapServers(), "", "-t", "logs.default.kcat", "-C", "-e", "-o",
                "beginning", "-q");
        assertThat(consumed.exitCode()).as("kcat -C failed: %s", consumed.stderr()).isZero();
        assertThat(consumed.stdout().strip()).isEqualTo(json);

        // and kafka-clients reads what kcat wrote
        assertThat(KafkaTestClients.consume(kafka, "logs.default.kcat", 1, "read_uncommitted"))
                .extracting(ConsumerRecord::value).containsExactly(json);
    }
}
