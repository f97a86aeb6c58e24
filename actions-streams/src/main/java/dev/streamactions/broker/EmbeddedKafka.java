package dev.streamactions.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker (KRaft, one process acting as broker and controller) that runs
 * inside this JVM: the embedded default of {@code ./actions start}.
 *
 * <p>The data lives under one folder. The first start formats it (a new cluster id, written by Kafka into
 * {@code meta.properties} in that folder); later starts find it formatted and keep the topics and records.
 * The broker answers on {@code PLAINTEXT://localhost:<port>}; the controller listener takes a second port,
 * a free one unless given. Internal topics (consumer offsets, transaction state, share-group state) have
 * replication factor 1 and min ISR 1 so that consumer groups and exactly-once transactions work on one
 * node; {@code group.initial.rebalance.delay.ms} is 0 and topics are never created automatically. The
 * full configuration is {@link #brokerProperties}.
 *
 * <p><b>Why in the same JVM and not a child JVM.</b> The broker is Kafka's own server class
 * ({@link KafkaRaftServer}, what {@code kafka.Kafka} starts) and its storage formatter ({@link Formatter},
 * what {@code kafka-storage.sh format} runs), so it is the real broker either way. In-process needs no
 * second class path, no child process to find, watch, log and kill (Ctrl-C and a crashed parent cannot
 * leave an orphan broker holding port 9092 and the data folder), starts faster, and costs one heap instead
 * of two on small machines. The price: the broker shares the heap and the fate of the application, and a
 * fatal broker fault (Kafka halts the process on some storage errors) takes the application down with
 * it; for a single-node development default that is the behaviour one wants anyway. A production setup
 * uses {@code --bootstrap-servers} with a real cluster.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    /** The product's broker port ({@code ./actions start}). */
    public static final int DEFAULT_PORT = 9092;
    /** The host the listeners bind to and the broker advertises. */
    public static final String HOST = "localhost";
    /** How long {@link #start} waits for the broker to answer {@code describeCluster}. */
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);

    /** The one broker and controller of the cluster. */
    static final int NODE_ID = 1;
    static final String BROKER_LISTENER = "PLAINTEXT";
    static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** Written by the formatter into every formatted log folder; its presence means "already formatted". */
    static final String META_PROPERTIES = "meta.properties";

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final KafkaRaftServer server;
    private final String clusterId;
    private boolean closed;

    private EmbeddedKafka(Path dataDir, int port, int controllerPort, KafkaRaftServer server, String clusterId) {
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.server = server;
        this.clusterId = clusterId;
    }

    /**
     * Starts a broker with its data under {@code dataDir} (created and formatted when it holds no
     * formatted storage yet) on {@code port}, or on a free port when {@code port} is 0, and waits until it
     * answers. The controller listener takes a free port.
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        return start(dataDir, port, 0, DEFAULT_STARTUP_TIMEOUT);
    }

    /**
     * As {@link #start(Path, int)}, with the controller port (0: a free one) and how long to wait for the
     * broker to answer.
     *
     * @throws IllegalStateException when the broker fails to start (a port taken, for example; the message
     *     says which) or does not answer within {@code startupTimeout}
     */
    public static EmbeddedKafka start(Path dataDir, int port, int controllerPort, Duration startupTimeout) {
        return start(dataDir, port, controllerPort, startupTimeout, Map.of());
    }

    /** As above, with broker settings that replace the defaults of {@link #brokerProperties} (tests only). */
    public static EmbeddedKafka start(Path dataDir, int port, int controllerPort, Duration startupTimeout,
            Map<String, String> overrides) {
        Path dir = dataDir.toAbsolutePath().normalize();
        int[] ports = freePorts(port, controllerPort);
        int brokerPort = ports[0];
        int ctrlPort = ports[1];
        Properties props = brokerProperties(dir, brokerPort, ctrlPort);
        props.putAll(overrides);
        KafkaConfig config = KafkaConfig.fromProps(props, false);
        formatIfNeeded(dir, config);

        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        LOG.info("Starting the embedded Kafka broker on {}:{} (controller port {}), data in {}", HOST, brokerPort,
                ctrlPort, dir);
        try {
            server.startup();
            String clusterId = awaitAnswer(HOST + ":" + brokerPort, startupTimeout);
            EmbeddedKafka kafka = new EmbeddedKafka(dir, brokerPort, ctrlPort, server, clusterId);
            LOG.info("Embedded Kafka broker ready at {} (cluster {})", kafka.bootstrapServers(), clusterId);
            return kafka;
        } catch (RuntimeException e) {
            stop(server);
            throw new IllegalStateException("the embedded Kafka broker did not start on " + HOST + ":" + brokerPort
                    + " (controller port " + ctrlPort + ", data in " + dir + "): " + rootReason(e), e);
        } catch (Error e) {
            stop(server);
            throw e;
        }
    }

    /**
     * The broker's configuration, every setting in one place.
     *
     * @param dataDir the log folder (also the KRaft metadata log folder)
     * @param port the PLAINTEXT listener clients use
     * @param controllerPort the CONTROLLER listener the KRaft quorum uses
     */
    static Properties brokerProperties(Path dataDir, int port, int controllerPort) {
        Properties p = new Properties();
        // One process is the whole cluster: broker and the single KRaft controller (a static quorum, so the
        // controller port lives only here and may differ between starts on the same data).
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + port + "," + CONTROLLER_LISTENER + "://" + HOST
                + ":" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + port);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("log.dirs", dataDir.toString());
        // Internal topics on one node: replication factor 1, min ISR 1. The transaction-state topic is what
        // exactly-once needs; the share-group state topic defaults to RF 3 / min ISR 2 otherwise.
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        // A first consumer group starts at once instead of after 3 s.
        p.put("group.initial.rebalance.delay.ms", "0");
        // A crashed producer's open transaction is aborted within a second of its timeout (the broker's default
        // looks every 10 s): until then read_committed consumers of its partitions wait, so this is fail-over time.
        p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        // Topics exist because someone created them, never because a client named one by mistake.
        p.put("auto.create.topics.enable", "false");
        // The log cleaner's key map is one heap buffer held for the process's life: 128 MB by default, sized
        // for a broker of its own. Here it shares the application's heap, and the compacted topics (definitions,
        // IAM, schemas, changelogs) are small: 16 MB holds about 600,000 keys a pass. Its two I/O buffers
        // start at 256 KB instead of 512 KB (they grow for larger records), under G1's large-object size.
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
        p.put("log.cleaner.io.buffer.size", Integer.toString(256 * 1024));
        return p;
    }

    /** Formats the storage the first time (a new cluster id); a formatted folder is left as it is. */
    private static void formatIfNeeded(Path dir, KafkaConfig config) {
        if (Files.isRegularFile(dir.resolve(META_PROPERTIES))) {
            return;
        }
        try {
            Files.createDirectories(dir);
            String clusterId = Uuid.randomUuid().toString();
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setClusterId(clusterId)
                    .setNodeId(NODE_ID)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setDirectories(List.of(dir.toString()))
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setUnstableFeatureVersionsEnabled(false)
                    .run();
            LOG.info("Formatted the Kafka storage in {} (cluster {})", dir, clusterId);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot format the Kafka storage in " + dir, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the Kafka storage in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Asks the broker for its cluster description until it answers or the deadline passes; its cluster id. */
    private static String awaitAnswer(String bootstrapServers, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, 10_000)))) {
            while (true) {
                long left = Duration.between(Instant.now(), deadline).toMillis();
                if (left <= 0) {
                    throw new IllegalStateException("no answer to describeCluster within " + timeout);
                }
                DescribeClusterResult cluster = admin.describeCluster(new DescribeClusterOptions()
                        .timeoutMs((int) Math.min(Integer.MAX_VALUE, left)));
                try {
                    if (!cluster.nodes().get(left, TimeUnit.MILLISECONDS).isEmpty()) {
                        return cluster.clusterId().get(left, TimeUnit.MILLISECONDS);
                    }
                } catch (ExecutionException | TimeoutException e) {
                    LOG.debug("The embedded Kafka broker does not answer yet: {}", e.toString());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the embedded Kafka broker", e);
        }
    }

    /** {@code localhost:<port>}, for the clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    /** The port clients use. */
    public int port() {
        return port;
    }

    /** The KRaft controller's port. */
    public int controllerPort() {
        return controllerPort;
    }

    /** The folder holding the data. */
    public Path dataDir() {
        return dataDir;
    }

    /** The cluster id, chosen when the folder was first formatted and kept with the data. */
    public String clusterId() {
        return clusterId;
    }

    /** Stops the broker cleanly (controlled shutdown, logs flushed) and waits until it has stopped. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("Stopping the embedded Kafka broker at {}", bootstrapServers());
        stop(server);
    }

    private static void stop(KafkaRaftServer server) {
        server.shutdown();
        server.awaitShutdown();
    }

    /** The innermost message (for a taken port: "Address already in use"), which is the one a person can act on. */
    private static String rootReason(Throwable e) {
        String reason = e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null) {
                reason = t.getMessage();
            }
        }
        return reason;
    }

    /**
     * A free port for each 0 in {@code wanted}, the others as given. The sockets stay open until all are
     * chosen, so the two listeners never draw the same port.
     */
    private static int[] freePorts(int... wanted) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = wanted.clone();
            for (int i = 0; i < ports.length; i++) {
                if (ports[i] == 0) {
                    ServerSocket socket = new ServerSocket(0, 0, InetAddress.getByName(HOST));
                    held.add(socket);
                    ports[i] = socket.getLocalPort();
                }
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // the port is free either way
                }
            }
        }
    }
}
