package dev.repdb.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A scenario file, parsed: free text (comments and blank lines, kept verbatim) and stanzas. A stanza is one or more
 * command lines, a {@code ----} line, and the expected output, which ends at the first blank line or at the end of
 * the file. Comment lines ({@code #}) among the commands are kept and not executed. Output never holds a blank line
 * (a command with nothing to say prints {@code ok}).
 *
 * <p>{@link #run} executes every command and returns the file as it would be with the actual output in place of
 * the expected one: equal to the original text when the scenario passes, and the rewritten file otherwise.
 */
final class ScenarioScript {

    static final String SEPARATOR = "----";

    private sealed interface Part permits Text, Stanza {
    }

    /** Lines kept as they are. */
    private record Text(List<String> lines) implements Part {
    }

    /** Commands, then the expected output; {@code line} is the 1-based line of the first command. */
    private record Stanza(int line, List<String> commands, List<String> expected) implements Part {
    }

    private final List<Part> parts;

    private ScenarioScript(List<Part> parts) {
        this.parts = parts;
    }

    static ScenarioScript parse(String text) {
        String[] lines = text.split("\n", -1);
        int end = lines.length;
        if (end > 0 && lines[end - 1].isEmpty()) {
            end--; // the final newline
        }
        List<Part> parts = new ArrayList<>();
        int i = 0;
        while (i < end) {
            List<String> free = new ArrayList<>();
            while (i < end && (lines[i].isBlank() || lines[i].startsWith("#"))) {
                free.add(lines[i++]);
            }
            if (!free.isEmpty()) {
                parts.add(new Text(free));
            }
            if (i >= end) {
                break;
            }
            int first = i + 1;
            List<String> commands = new ArrayList<>();
            while (i < end && !lines[i].equals(SEPARATOR)) {
                if (lines[i].isBlank()) {
                    throw new IllegalArgumentException("line " + (i + 1) + ": a blank line inside the commands of "
                            + "the stanza at line " + first + " (missing " + SEPARATOR + "?)");
                }
                commands.add(lines[i++]);
            }
            if (i >= end) {
                throw new IllegalArgumentException("the stanza at line " + first + " has no " + SEPARATOR + " line");
            }
            i++; // the separator
            List<String> expected = new ArrayList<>();
            while (i < end && !lines[i].isBlank()) {
                expected.add(lines[i++]);
            }
            parts.add(new Stanza(first, commands, expected));
        }
        return new ScenarioScript(parts);
    }

    /**
     * Executes every command through {@code execute} (one command line in, its output lines out) and returns the
     * whole file with the actual outputs.
     */
    String run(Function<String, List<String>> execute) {
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Text text) {
                text.lines().forEach(l -> out.append(l).append('\n'));
            } else if (part instanceof Stanza stanza) {
                List<String> actual = new ArrayList<>();
                for (String command : stanza.commands()) {
                    out.append(command).append('\n');
                    if (!command.startsWith("#")) {
                        actual.addAll(execute.apply(command.strip()));
                    }
                }
                if (actual.isEmpty()) {
                    actual.add("ok");
                }
                out.append(SEPARATOR).append('\n');
                actual.forEach(l -> out.append(l.isBlank() ? "(blank)" : l).append('\n'));
            }
        }
        return out.toString();
    }

    /** The 1-based number of the first line where {@code a} and {@code b} differ, or 0 if they are equal. */
    static int firstDifference(String a, String b) {
        String[] x = a.split("\n", -1);
        String[] y = b.split("\n", -1);
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            if (i >= x.length || i >= y.length || !x[i].equals(y[i])) {
                return i + 1;
            }
        }
        return 0;
    }
}
