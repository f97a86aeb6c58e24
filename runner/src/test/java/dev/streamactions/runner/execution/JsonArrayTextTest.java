package dev.streamactions.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonArrayTextTest {

    @Test
    void cutsEachObjectOutExactly() {
        String a = "{\"s\":\"} ] { [ \\\" \\\\\",\"n\":{\"deep\":[{\"x\":1},[]]}}";
        String b = "{\"é\":\"☃ 🚀\",\"none\":null}";
        assertThat(JsonArrayText.elements("[" + a + "," + b + "]")).containsExactly(a, b);
    }

    @Test
    void anEmptyArrayHasNoElements() {
        assertThat(JsonArrayText.elements("[]")).isEmpty();
    }
}
