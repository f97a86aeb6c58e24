package dev.streamactions.runner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The real-time example of OpenObserve's Actions docs (shared/seeds/000), verbatim, and its input. */
public final class SeedExamples {

    private SeedExamples() {
    }

    public static final String MAIN_PY = """
            import logging \s
            from typing import List, Dict, Any \s
            from distinct import distinct  # helper function in another file

            def main(data: List[Dict[str, Any]], logger: logging.Logger) -> List[Dict[str, Any]]: \s
                logger.info("Starting transformation")

                result = [] \s
                for item in data: \s
                    updated_item = { \s
                        key: (value.upper() if isinstance(value, str) else value) \s
                        for key, value in item.items() \s
                    } \s
                    result.append(updated_item)

                pod_names, pod_count = distinct([item['kubernetes_pod_name'] for item in data]) \s
                docker_ids, docker_count = distinct([item['kubernetes_docker_id'] for item in data]) \s
                pod_ids, pod_id_count = distinct([item['kubernetes_pod_id'] for item in data])

                logger.info(f"Distinct pod names: {pod_count}, docker IDs: {docker_count}")

                return [{ \s
                    "distinct_pod_names": pod_names, \s
                    "distinct_pod_count": pod_count, \s
                    "distinct_docker_ids": docker_ids, \s
                    "distinct_docker_count": docker_count, \s
                    "distinct_pod_ids": pod_ids, \s
                    "distinct_pod_id_count": pod_id_count \s
                }] \s
            """;

    public static final String DISTINCT_PY = """
            def distinct(lst): \s
                unique_elements = set(lst) \s
                return list(unique_elements), len(unique_elements) \s
            """;

    public static final String PYPROJECT_TOML = """
            [project] \s
            name = "openobserve_action" \s
            version = "0.1.0" \s
            requires-python = ">=3.8" \s
            dependencies = [] \s
            """;

    /** The seed's folder, zipped as a user would: everything inside one top-level folder. */
    public static byte[] realtimeZip() {
        return ActionZip.create()
                .file("real_time_action_script/main.py", MAIN_PY)
                .file("real_time_action_script/distinct.py", DISTINCT_PY)
                .file("real_time_action_script/pyproject.toml", PYPROJECT_TOML)
                .bytes();
    }

    /** Kubernetes log records of the shape the seed reads: {@code pods} pods, each with its own ids. */
    public static List<Map<String, Object>> k8sRecords(int count, int pods) {
        List<Map<String, Object>> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int pod = i % pods;
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("_timestamp", 1_700_000_000_000_000L + i);
            record.put("log", "GET /api/items/" + i + " 200 in " + (i % 97) + "ms");
            record.put("stream", i % 5 == 0 ? "stderr" : "stdout");
            record.put("kubernetes_namespace_name", "shop");
            record.put("kubernetes_pod_name", "checkout-" + pod);
            record.put("kubernetes_docker_id", "docker-" + Integer.toHexString(0x1000 + pod));
            record.put("kubernetes_pod_id", "uid-" + pod);
            record.put("level", i % 10 == 0 ? "warn" : "info");
            records.add(record);
        }
        return records;
    }
}
