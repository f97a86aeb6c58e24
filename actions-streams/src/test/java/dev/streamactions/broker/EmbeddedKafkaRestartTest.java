package dev.streamactions.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A second start on the same folder keeps the cluster, its topics and their records. */
class EmbeddedKafkaRestartTest {

    @TempDir
    Path dataDir;

    @Test
    void aSecondStartOnTheSameFolderKeepsTopicsAndRecords() throws Exception {
        Path folder = dataDir.resolve("kafka");
        String clusterId;
        try (EmbeddedKafka first = EmbeddedKafka.start(folder, 0)) {
            clusterId = first.clusterId();
            KafkaTestClients.createTopic(first, "kept");
            KafkaTestClients.produce(first, "kept", "k", "{\"n\":1}");
        }

        // New ports on purpose: the quorum is static, so only the data is carried over.
        try (EmbeddedKafka second = EmbeddedKafka.start(folder, 0)) {
            assertThat(second.clusterId()).isEqualTo(clusterId);
            try (Admin admin = KafkaTestClients.admin(second)) {
                assertThat(admin.listTopics().names().get()).contains("kept");
            }
            assertThat(KafkaTestClients.consume(second, "kept", 1, "read_uncommitted"))
                    .extracting(ConsumerRecord::key, ConsumerRecord::value)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("k", "{\"n\":1}"));
        }
    }
}
