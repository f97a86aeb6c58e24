package dev.streamactions.runner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

/**
 * The records handed to a real-time action's {@code main(data, logger)} as {@code data}.
 *
 * <p>They cross into Python as one JSON array text, parsed there by {@code json.loads}: one crossing per
 * batch instead of one per field, and {@code data} is made of real lists and dicts.
 */
public final class ActionInput {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ActionInput NONE = new ActionInput("[]", 0);

    private final String jsonArray;
    private final int size;

    private ActionInput(String jsonArray, int size) {
        this.jsonArray = jsonArray;
        this.size = size;
    }

    /** No records: the input of scheduled actions. */
    public static ActionInput none() {
        return NONE;
    }

    /** Records given as Java maps of JSON values (strings, numbers, booleans, null, lists, maps). */
    public static ActionInput ofRecords(List<? extends Map<String, ?>> records) {
        try {
            return new ActionInput(JSON.writeValueAsString(records), records.size());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("records are not JSON values: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Records given as JSON object texts, as they arrive on a topic. Each must be one valid JSON object;
     * callers decode them first (a record that does not decode never reaches an action).
     */
    public static ActionInput ofJsonObjects(List<String> jsonObjects) {
        StringBuilder array = new StringBuilder(jsonObjects.stream().mapToInt(String::length).sum() + jsonObjects.size() + 2);
        array.append('[');
        for (int i = 0; i < jsonObjects.size(); i++) {
            if (i > 0) {
                array.append(',');
            }
            array.append(jsonObjects.get(i));
        }
        return new ActionInput(array.append(']').toString(), jsonObjects.size());
    }

    /** The records as one JSON array text. */
    public String jsonArray() {
        return jsonArray;
    }

    public int size() {
        return size;
    }
}
