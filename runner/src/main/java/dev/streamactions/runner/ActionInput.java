package dev.streamactions.runner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.runner.execution.PythonMarshal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The records handed to a real-time action's {@code main(data, logger)} as {@code data}: real Python
 * lists and dicts, made in one step per batch (see {@link PythonMarshal} for how they cross over).
 */
public final class ActionInput {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ActionInput NONE = new ActionInput(PythonMarshal.listAsLatin1(List.of(), 8), 0);

    private final String encoded;
    private final int size;

    private ActionInput(String encoded, int size) {
        this.encoded = encoded;
        this.size = size;
    }

    /** No records: the input of scheduled actions. */
    public static ActionInput none() {
        return NONE;
    }

    /**
     * Records given as Java maps of JSON values: strings, numbers, booleans, null, lists and maps (or
     * Jackson nodes).
     *
     * @throws IllegalArgumentException for a value JSON has no type for
     */
    public static ActionInput ofRecords(List<? extends Map<String, ?>> records) {
        return new ActionInput(PythonMarshal.listAsLatin1(records, records.size() * 256), records.size());
    }

    /**
     * Records given as JSON object texts, as they arrive on a topic.
     *
     * @throws IllegalArgumentException naming the first text that is not a JSON object
     */
    public static ActionInput ofJsonObjects(List<String> jsonObjects) {
        List<JsonNode> records = new ArrayList<>(jsonObjects.size());
        int bytes = 0;
        for (int i = 0; i < jsonObjects.size(); i++) {
            String text = jsonObjects.get(i);
            JsonNode record;
            try {
                record = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("record " + i + " is not JSON: " + e.getOriginalMessage(), e);
            }
            if (record == null || !record.isObject()) {
                throw new IllegalArgumentException("record " + i + " is not a JSON object");
            }
            records.add(record);
            bytes += text.length();
        }
        return new ActionInput(PythonMarshal.listAsLatin1(records, bytes), records.size());
    }

    /** The records in Python's marshal format, one char a byte; what the harness decodes. */
    String encoded() {
        return encoded;
    }

    public int size() {
        return size;
    }
}
