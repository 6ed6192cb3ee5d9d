package dev.repdb.rep;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Named statistics counters; thread-safe. */
final class Counters {

    private final ConcurrentHashMap<String, AtomicLong> values = new ConcurrentHashMap<>();

    void increment(String name) {
        add(name, 1);
    }

    void add(String name, long delta) {
        values.computeIfAbsent(name, k -> new AtomicLong()).addAndGet(delta);
    }

    void max(String name, long value) {
        values.computeIfAbsent(name, k -> new AtomicLong()).accumulateAndGet(value, Math::max);
    }

    long get(String name) {
        AtomicLong value = values.get(name);
        return value == null ? 0 : value.get();
    }

    Map<String, Long> snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        values.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }
}
