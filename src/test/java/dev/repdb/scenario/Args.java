package dev.repdb.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arguments of one command line: positional words and {@code key=value} pairs, in order. Every argument must
 * be used by the command; {@link #done()} rejects the rest, so a misspelt option fails loudly.
 */
final class Args {

    private final List<String> positional = new ArrayList<>();
    private final Map<String, String> named = new LinkedHashMap<>();
    private int used;

    Args(List<String> words) {
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq > 0) {
                named.put(w.substring(0, eq), w.substring(eq + 1));
            } else {
                positional.add(w);
            }
        }
    }

    /** The next positional argument. */
    String next(String what) {
        if (used >= positional.size()) {
            throw new IllegalArgumentException("missing " + what);
        }
        return positional.get(used++);
    }

    int nextInt(String what) {
        return Integer.parseInt(next(what));
    }

    boolean hasNext() {
        return used < positional.size();
    }

    /** Whether the bare word {@code flag} is among the remaining positional arguments (and consumes it). */
    boolean flag(String flag) {
        for (int i = used; i < positional.size(); i++) {
            if (positional.get(i).equals(flag)) {
                positional.remove(i);
                return true;
            }
        }
        return false;
    }

    String option(String key, String otherwise) {
        String v = named.remove(key);
        return v == null ? otherwise : v;
    }

    /** The remaining {@code key=value} pairs, in order (for commit's writes); consumes them. */
    Map<String, String> rest() {
        Map<String, String> copy = new LinkedHashMap<>(named);
        named.clear();
        return copy;
    }

    void done() {
        if (used < positional.size() || !named.isEmpty()) {
            List<String> left = new ArrayList<>(positional.subList(used, positional.size()));
            named.forEach((k, v) -> left.add(k + "=" + v));
            throw new IllegalArgumentException("unknown arguments " + left);
        }
    }
}
