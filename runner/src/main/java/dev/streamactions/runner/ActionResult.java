package dev.streamactions.runner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one invocation returned.
 *
 * @param recordsJson each returned record as a JSON object text, in the order {@code main} returned them
 * @param logs        what the script logged during this invocation
 * @param elapsed     wall-clock time of the call, conversions included
 */
public record ActionResult(List<String> recordsJson, List<LogLine> logs, Duration elapsed) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> RECORD = new TypeReference<>() {};

    public ActionResult {
        recordsJson = List.copyOf(recordsJson);
        logs = List.copyOf(logs);
    }

    /** The returned records as Java maps (JSON objects become maps, arrays lists). */
    public List<Map<String, Object>> records() {
        List<Map<String, Object>> records = new ArrayList<>(recordsJson.size());
        try {
            for (String json : recordsJson) {
                records.add(JSON.readValue(json, RECORD));
            }
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("the runner produced invalid JSON", e);
        }
        return records;
    }
}
