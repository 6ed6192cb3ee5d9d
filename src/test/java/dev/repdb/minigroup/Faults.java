package dev.repdb.minigroup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The faults a test has switched on in an in-process group, decided per {@link Envelope}: a partition (no message
 * crosses between the two sides), drop rules and delay rules. A binding asks {@link #decide} for every message
 * it carries (the simulation in its network, JMS in {@link FaultyTransport}). Thread-safe; rules are evaluated one
 * message at a time, so a rule may keep state (say, "drop every third fragment").
 */
public final class Faults {
    /** What happens to one message: dropped (and why), or delivered after {@code delay}. */
    public record Decision(String dropped, Duration delay) {
        static final Decision DELIVER = new Decision(null, Duration.ZERO);

        public boolean drop() {
            return dropped != null;
        }
    }

    private record DelayRule(Predicate<Envelope> which, Duration delay) {
    }

    private Set<Integer> side;
    private final List<Predicate<Envelope>> drops = new ArrayList<>();
    private final List<DelayRule> delays = new ArrayList<>();
    private volatile boolean active;

    /** Drops every message that {@code which} accepts (until {@link #heal}). */
    public synchronized void drop(Predicate<Envelope> which) {
        drops.add(which);
        active = true;
    }

    /** Delays every message that {@code which} accepts by {@code delay} (until {@link #heal}). */
    public synchronized void delay(Predicate<Envelope> which, Duration delay) {
        delays.add(new DelayRule(which, delay));
        active = true;
    }

    /** Splits the group into {@code side} and the rest; replaces an earlier partition. */
    public synchronized void partition(Set<Integer> side) {
        this.side = Set.copyOf(side);
        active = true;
    }

    /** Ends the partition and removes every drop and delay rule. */
    public synchronized void heal() {
        side = null;
        drops.clear();
        delays.clear();
        active = false;
    }

    /** Whether any fault is on (a binding may take a cheaper path when none is). */
    public boolean active() {
        return active;
    }

    /** Whether {@code a} and {@code b} are on the same side of the partition (true when there is none). */
    public synchronized boolean connected(int a, int b) {
        return side == null || side.contains(a) == side.contains(b);
    }

    /** The fate of one message. */
    public synchronized Decision decide(Envelope e) {
        if (!active) {
            return Decision.DELIVER;
        }
        if (!connected(e.from(), e.to())) {
            return new Decision("partition", Duration.ZERO);
        }
        for (Predicate<Envelope> rule : drops) {
            if (rule.test(e)) {
                return new Decision("drop rule", Duration.ZERO);
            }
        }
        Duration delay = Duration.ZERO;
        for (DelayRule rule : delays) {
            if (rule.which().test(e)) {
                delay = delay.plus(rule.delay());
            }
        }
        return delay.isZero() ? Decision.DELIVER : new Decision(null, delay);
    }
}
