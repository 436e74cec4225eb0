package io.modelwatch.service;

/** Text for a log line or an exit reason said in one line: an exception's message often runs over several. */
final class OneLine {

    private OneLine() {
    }

    /** {@code text} with each line break, and the blanks around it, made one space. */
    static String of(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ");
    }
}
