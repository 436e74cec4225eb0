package io.modelwatch.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OneLineTest {

    @Test
    void eachLineBreakAndTheBlanksAroundItBecomeOneSpace() {
        assertEquals("sending failed due to: RecordTooLargeException: too large",
                OneLine.of("sending failed due to:  \r\n\tRecordTooLargeException: too large"));
        assertEquals("a b c", OneLine.of("a\nb\rc"));
        assertEquals("no break  here", OneLine.of("no break  here"));
    }
}
