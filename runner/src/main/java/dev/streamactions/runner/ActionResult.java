package dev.streamactions.runner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.runner.execution.JsonArrayText;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one invocation returned: each returned record as a JSON object text, in the order {@code main}
 * returned them ({@link #recordsJson()}), what the script logged during this invocation ({@link #logs()}),
 * and the wall-clock time of the call, conversions included ({@link #elapsed()}).
 */
public final class ActionResult {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> RECORD = new TypeReference<>() {};

    /** What main returned as one JSON array, until it is cut into the records' texts; then null. */
    private String array;
    private List<String> recordsJson;
    private final List<LogLine> logs;
    private final Duration elapsed;

    public ActionResult(List<String> recordsJson, List<LogLine> logs, Duration elapsed) {
        this.recordsJson = List.copyOf(recordsJson);
        this.logs = List.copyOf(logs);
        this.elapsed = elapsed;
    }

    private ActionResult(String array, List<LogLine> logs, Duration elapsed) {
        this.array = array;
        this.logs = List.copyOf(logs);
        this.elapsed = elapsed;
    }

    /**
     * The records as one JSON array of objects, cut into each object's text only when first asked for: so
     * that the cut is made by whoever reads the records, not by the action's thread, which goes on with
     * the next batch meanwhile.
     */
    public static ActionResult ofJsonArray(String array, List<LogLine> logs, Duration elapsed) {
        return new ActionResult(array, logs, elapsed);
    }

    /** Each returned record as a JSON object text, in the order {@code main} returned them. */
    public synchronized List<String> recordsJson() {
        if (recordsJson == null) {
            recordsJson = List.copyOf(JsonArrayText.elements(array));
            array = null;
        }
        return recordsJson;
    }

    /** What the script logged during this invocation. */
    public List<LogLine> logs() {
        return logs;
    }

    /** Wall-clock time of the call, conversions included. */
    public Duration elapsed() {
        return elapsed;
    }

    /** The returned records as Java maps (JSON objects become maps, arrays lists). */
    public List<Map<String, Object>> records() {
        List<String> texts = recordsJson();
        List<Map<String, Object>> records = new ArrayList<>(texts.size());
        try {
            for (String json : texts) {
                records.add(JSON.readValue(json, RECORD));
            }
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("the runner produced invalid JSON", e);
        }
        return records;
    }

    @Override
    public String toString() {
        return "ActionResult[records=" + recordsJson().size() + ", logs=" + logs.size() + ", elapsed=" + elapsed + "]";
    }
}
