package dev.repdb.sim;

import dev.repdb.rep.Scheduler;
import java.util.PriorityQueue;

/**
 * Virtual time for a whole simulated group: one queue of timed events, run in order by one thread. Each site gets
 * its own {@link Scheduler} view, so a crash can drop exactly the events of the process that died.
 */
public final class SimClock {

    private static final class Event implements Comparable<Event> {
        final long time;
        final long seq;
        final int owner;
        final Runnable task;
        boolean cancelled;

        Event(long time, long seq, int owner, Runnable task) {
            this.time = time;
            this.seq = seq;
            this.owner = owner;
            this.task = task;
        }

        @Override
        public int compareTo(Event o) {
            int byTime = Long.compare(time, o.time);
            return byTime != 0 ? byTime : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private long now;
    private long seq;
    private final int[] generation = new int[64];

    public long now() {
        return now;
    }

    /** A scheduler for the process of site {@code owner}; its events die with {@link #killProcess(int)}. */
    public Scheduler forSite(int owner) {
        return forSite(owner, 1.0);
    }

    /**
     * The same, for a site whose clock runs at {@code rate} times the true rate (clock skew): it reads
     * {@code rate} times the virtual time, and its delays last {@code 1 / rate} as long in virtual time.
     */
    public Scheduler forSite(int owner, double rate) {
        int processGeneration = generation[owner];
        return new Scheduler() {
            @Override
            public long nanoTime() {
                return (long) (now * rate);
            }

            @Override
            public Cancellable schedule(Runnable task, long delayNanos) {
                Event e = add(owner, processGeneration, Math.max(0, (long) (delayNanos / rate)), task);
                return () -> e.cancelled = true;
            }

            @Override
            public void execute(Runnable task) {
                add(owner, processGeneration, 0, task);
            }
        };
    }

    private Event add(int owner, int processGeneration, long delay, Runnable task) {
        Runnable guarded = () -> {
            if (generation[owner] == processGeneration) {
                task.run();
            }
        };
        Event e = new Event(now + delay, seq++, owner, guarded);
        events.add(e);
        return e;
    }

    /** Schedules a task that belongs to no site (the network, the workload). */
    public void at(long delayNanos, Runnable task) {
        events.add(new Event(now + delayNanos, seq++, -1, task));
    }

    /** Every event of site {@code owner}'s current process is dropped; later ones belong to its next process. */
    public void killProcess(int owner) {
        generation[owner]++;
    }

    /** Runs the next event; false if there is none. */
    public boolean step() {
        Event e = events.poll();
        while (e != null && e.cancelled) {
            e = events.poll();
        }
        if (e == null) {
            return false;
        }
        now = Math.max(now, e.time);
        e.task.run();
        return true;
    }

    /** Runs every event up to virtual time {@code until} (nanoseconds). */
    public void runUntil(long until) {
        while (!events.isEmpty()) {
            Event head = events.peek();
            if (head.time > until) {
                break;
            }
            step();
        }
        now = Math.max(now, until);
    }

    /** The virtual time of the next event that is not cancelled, or {@link Long#MAX_VALUE} if there is none. */
    public long nextTime() {
        Event head = events.peek();
        while (head != null && head.cancelled) {
            events.poll();
            head = events.peek();
        }
        return head == null ? Long.MAX_VALUE : head.time;
    }

    public int pending() {
        return events.size();
    }
}
