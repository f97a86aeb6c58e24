package dev.streamactions.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.streamactions.config.ActionsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * No Docker engine runs here, so docker/ cannot be built in the tests. This keeps what can drift in
 * check: the compose file's variables and ports against {@link ActionsConfig}, and the image's JVM flags
 * against the pom's {@code graal.jvm.args}.
 */
class DockerFilesTest {
    /** Variables of the image that are not ActionsConfig settings: the runner's work folder, logging. */
    static final Set<String> OTHER_VARIABLES = Set.of("ACTIONS_WORK_DIR", "ACTIONS_LOG_LEVEL");

    static Path root;
    static JsonNode compose;
    static Map<String, List<String>> dockerfile;

    @BeforeAll
    static void read() throws Exception {
        root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve("docker/compose.yaml")).as("run from the actions-streams module").exists();
        compose = new ObjectMapper(new YAMLFactory()).readTree(root.resolve("docker/compose.yaml").toFile());
        dockerfile = instructions(Files.readString(root.resolve("docker/Dockerfile")));
    }

    /** The Dockerfile's instructions by keyword, continuation lines joined, comments dropped. */
    static Map<String, List<String>> instructions(String text) {
        Map<String, List<String>> out = new HashMap<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String instruction = current.toString().strip();
            current.setLength(0);
            if (instruction.isEmpty()) {
                continue;
            }
            String[] parts = instruction.split("\\s+", 2);
            out.computeIfAbsent(parts[0].toUpperCase(), k -> new ArrayList<>()).add(parts.length > 1 ? parts[1] : "");
        }
        return out;
    }

    static Map<String, String> environment(String service) {
        Map<String, String> env = new HashMap<>();
        compose.get("services").get(service).get("environment").fields()
                .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    static Map<String, String> dockerfileEnv() {
        Map<String, String> env = new HashMap<>();
        Matcher m = Pattern.compile("(\\w+)=(\\S+)").matcher(String.join(" ", dockerfile.getOrDefault("ENV", List.of())));
        while (m.find()) {
            env.put(m.group(1), m.group(2));
        }
        return env;
    }

    @Test
    void everyActionsVariableIsASetting() {
        Set<String> known = new TreeSet<>(OTHER_VARIABLES);
        ActionsConfig.DEFINITION.names().forEach(n -> known.add(ActionsConfig.environmentName(n)));
        List<String> used = new ArrayList<>(environment("actions").keySet());
        used.addAll(dockerfileEnv().keySet());
        List<String> unknown = used.stream().filter(v -> v.startsWith("ACTIONS_") && !known.contains(v)).toList();
        assertThat(unknown).as("ACTIONS_* variables that no setting reads; known: " + known).isEmpty();
        assertThat(environment("actions")).containsKeys("ACTIONS_BOOTSTRAP_SERVERS", "ACTIONS_ROOT_USER_EMAIL",
                "ACTIONS_ROOT_USER_PASSWORD");
        // Each value is one the setting accepts.
        Map<String, Object> values = new HashMap<>();
        for (String name : ActionsConfig.DEFINITION.names()) {
            String value = environment("actions").get(ActionsConfig.environmentName(name));
            if (value != null && !value.startsWith("${")) {
                values.put(name, value);
            }
        }
        new ActionsConfig(values);
    }

    @Test
    void theAppReachesKafkaOnAListenerTheBrokerHas() {
        String bootstrap = environment("actions").get(ActionsConfig.environmentName(ActionsConfig.BOOTSTRAP_SERVERS));
        String[] hostPort = bootstrap.split(":");
        assertThat(compose.get("services").has(hostPort[0])).as("service " + hostPort[0]).isTrue();
        Map<String, String> kafka = environment(hostPort[0]);
        assertThat(kafka.get("KAFKA_ADVERTISED_LISTENERS")).contains("//" + bootstrap);
        assertThat(kafka.get("KAFKA_PROCESS_ROLES")).contains("broker").contains("controller");
        assertThat(compose.get("services").get(hostPort[0]).get("image").asText()).startsWith("apache/kafka:");
        List<String> dependsOn = new ArrayList<>();
        compose.get("services").get("actions").get("depends_on").fieldNames().forEachRemaining(dependsOn::add);
        assertThat(dependsOn).contains(hostPort[0]);
    }

    @Test
    void thePublishedPortIsTheHttpPort() {
        String port = environment("actions").getOrDefault(ActionsConfig.environmentName(ActionsConfig.HTTP_PORT),
                ActionsConfig.DEFINITION.defaultValues().get(ActionsConfig.HTTP_PORT).toString());
        assertThat(port).isEqualTo(dockerfileEnv().get("ACTIONS_HTTP_PORT"));
        List<String> containerPorts = new ArrayList<>();
        compose.get("services").get("actions").get("ports").forEach(p -> {
            String[] parts = p.asText().split(":");
            containerPorts.add(parts[parts.length - 1]);
        });
        assertThat(containerPorts).containsExactly(port);
        assertThat(dockerfile.get("EXPOSE")).containsExactly(port);
        assertThat(ActionsConfig.DEFINITION.defaultValues().get(ActionsConfig.HTTP_PORT)).isEqualTo(5080);
    }

    @Test
    void theImageRunsWithThePomsJitFlags() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(root.resolve("pom.xml").toFile());
        String args = pom.getElementsByTagName("graal.jvm.args").item(0).getTextContent();
        String unsafe = pom.getElementsByTagName("graal.unsafe.access").item(0).getTextContent();
        List<String> expected = Arrays.stream(args.trim().split("\\s+"))
                .map(w -> w.replace("${graal.compiler.dir}", "/app/graal/compiler")
                        .replace("${graal.modules.dir}", "/app/graal/modules")
                        .replace("${graal.unsafe.access}", unsafe))
                .toList();
        assertThat(expected).as("graal.jvm.args read").hasSizeGreaterThan(4);

        List<String> entrypoint = new ArrayList<>();
        new ObjectMapper().readTree(dockerfile.get("ENTRYPOINT").getFirst()).forEach(n -> entrypoint.add(n.asText()));
        assertThat(entrypoint.getFirst()).isEqualTo("java");
        assertThat(Collections.indexOfSubList(entrypoint, expected)).as(entrypoint + " holds, in order, " + expected)
                .isEqualTo(1);
        // And the server's memory settings, as ./actions and the benchmarks take them from the pom.
        List<String> server = Arrays.asList(
                pom.getElementsByTagName("server.jvm.args").item(0).getTextContent().trim().split("\\s+"));
        assertThat(server).as("server.jvm.args read").contains("-Xmx864m", "-XX:-G1UseAdaptiveIHOP");
        assertThat(Collections.indexOfSubList(entrypoint, server)).as(entrypoint + " holds, in order, " + server)
                .isEqualTo(1 + expected.size());
        assertThat(entrypoint.subList(entrypoint.size() - 2, entrypoint.size()))
                .containsExactly("dev.streamactions.cli.ActionsCommand", "start");

        // --sun-misc-unsafe-memory-access exists from Java 23: every stage must be at least that.
        for (String from : dockerfile.get("FROM")) {
            Matcher version = Pattern.compile(":(\\d+)").matcher(from);
            assertThat(version.find()).as(from).isTrue();
            assertThat(Integer.parseInt(version.group(1))).as(from).isGreaterThanOrEqualTo(23);
        }
        // The image copies the folders the flags name.
        assertThat(String.join("\n", dockerfile.get("COPY"))).contains("target/graal /app/graal")
                .contains("target/lib /app/lib");
    }
}
