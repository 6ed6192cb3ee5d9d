package dev.repdb.it.probe;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What the probe MDBs received, as "queue:<text>" / "broadcast:<text>" (one deployment, one class loader). */
public final class ProbeLog {
    private static final List<String> RECEIVED = new CopyOnWriteArrayList<>();

    private ProbeLog() {
    }

    static void add(String entry) {
        RECEIVED.add(entry);
    }

    static List<String> received() {
        return List.copyOf(RECEIVED);
    }
}
