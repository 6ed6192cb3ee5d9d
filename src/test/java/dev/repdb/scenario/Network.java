package dev.repdb.scenario;

import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.Transport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * The scenario's network: a visible queue of messages that nothing delivers unless a command says so. A broadcast
 * becomes one envelope per other site (up or down). A partition does not touch the queue; a message that crosses
 * it is dropped when a command tries to deliver it.
 */
final class Network {

    /** One message on its way from {@code from} to {@code to}, as the sender's transport handed it over. */
    record Envelope(int from, int to, byte[] control, byte[] rec) {
        MessageType type() {
            return MessageType.of(((control[16] & 0xff) << 8) | (control[17] & 0xff));
        }

        /** The header LSN (see {@code MessageCodec}: file at byte 24, offset at 28). */
        dev.repdb.log.Lsn lsn() {
            java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(control);
            return new dev.repdb.log.Lsn(in.getInt(24), in.getLong(28));
        }
    }

    private final List<Envelope> queue = new ArrayList<>();
    private final Map<Integer, Integer> side = new HashMap<>();
    private final IntSupplier siteCount;

    Network(IntSupplier siteCount) {
        this.siteCount = siteCount;
    }

    /** The transport of site {@code from}: queues what it sends while {@code alive} says its process lives. */
    Transport transportOf(int from, java.util.function.BooleanSupplier alive) {
        return (envId, control, rec, lsn, flags) -> {
            if (!alive.getAsBoolean()) {
                return; // a dead process sends nothing
            }
            if (envId == Transport.EID_BROADCAST) {
                for (int to = 1; to <= siteCount.getAsInt(); to++) {
                    if (to != from) {
                        add(new Envelope(from, to, control.clone(), rec.clone()));
                    }
                }
            } else {
                add(new Envelope(from, envId, control.clone(), rec.clone()));
            }
        };
    }

    void add(Envelope e) {
        queue.add(e);
    }

    int size() {
        return queue.size();
    }

    /** The envelopes queued from index {@code from} on (to show what a command sent). */
    List<Envelope> since(int from) {
        return List.copyOf(queue.subList(Math.min(from, queue.size()), queue.size()));
    }

    List<Envelope> all() {
        return List.copyOf(queue);
    }

    /** Removes and returns, in queue order, at most {@code limit} envelopes that match. */
    List<Envelope> take(Predicate<Envelope> filter, int limit) {
        List<Envelope> taken = new ArrayList<>();
        for (Iterator<Envelope> it = queue.iterator(); it.hasNext() && taken.size() < limit; ) {
            Envelope e = it.next();
            if (filter.test(e)) {
                taken.add(e);
                it.remove();
            }
        }
        return taken;
    }

    /** Splits the sites into groups; a site named in no group is alone. */
    void partition(List<List<Integer>> groups) {
        side.clear();
        for (int g = 0; g < groups.size(); g++) {
            for (int id : groups.get(g)) {
                side.put(id, g);
            }
        }
    }

    void heal() {
        side.clear();
    }

    boolean blocked(Envelope e) {
        if (side.isEmpty()) {
            return false;
        }
        return !side.getOrDefault(e.from(), -e.from()).equals(side.getOrDefault(e.to(), -e.to()));
    }
}
