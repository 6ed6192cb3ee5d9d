package dev.repdb.rep.auth;

import dev.repdb.log.ChecksummedProperties;
import dev.repdb.log.Storage;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * This site's incarnation (one number per process run of the site, persisted before the run sends anything) and the
 * latest incarnation it has heard of each peer, in {@code <home>/rep.auth}. Every message this site sends names the
 * incarnations it knows of its receivers; a receiver processes only messages naming its current incarnation, which
 * proves they were made after it started. Persisting the peers' numbers lets a restarted site be believed at once
 * by the peers that did not restart.
 *
 * <p>Every change is written atomically and fsynced before it is used (own incarnation at open, or after seeing that
 * a peer knew a higher one, e.g. after this home was restored from a backup; a peer's when it grows). A damaged file
 * is a clear error, never a silent reset. Thread-safe.
 */
final class Incarnations {

    static final String FILE = "rep.auth";

    private final Storage storage;
    private final Path file;
    private final int maxPeers;
    private int own;
    private final Map<Integer, Integer> peers = new TreeMap<>();

    private Incarnations(Storage storage, Path file, int maxPeers) {
        this.storage = storage;
        this.file = file;
        this.maxPeers = maxPeers;
    }

    /** Loads the file (if any) and starts a new incarnation, durably, before returning. */
    static Incarnations open(Storage storage, Path home, int maxPeers) {
        Incarnations inc = new Incarnations(storage, home.resolve(FILE), maxPeers);
        inc.load();
        inc.own = inc.own + 1;
        inc.store();
        return inc;
    }

    private void load() {
        Optional<Properties> read = ChecksummedProperties.read(storage, file,
                "this site's incarnation, which replay protection depends on");
        if (read.isEmpty()) {
            return;
        }
        Properties p = read.get();
        try {
            own = Integer.parseInt(p.getProperty("incarnation"));
            for (String name : p.stringPropertyNames()) {
                if (name.startsWith("peer.")) {
                    peers.put(Integer.parseInt(name.substring(5)), Integer.parseInt(p.getProperty(name)));
                }
            }
        } catch (RuntimeException e) {
            throw new IllegalStateException(file + " is damaged: " + e.getMessage(), e);
        }
        if (own < 0) {
            throw new IllegalStateException(file + " is damaged: negative incarnation " + own);
        }
    }

    private void store() {
        StringBuilder body = new StringBuilder("# repdb message authentication state; do not edit\nincarnation=")
                .append(own).append('\n');
        peers.forEach((site, inc) -> body.append("peer.").append(site).append('=').append(inc).append('\n'));
        ChecksummedProperties.write(storage, file, body.toString());
    }

    synchronized int own() {
        return own;
    }

    /**
     * An authentic message says another site knew this one at incarnation {@code seen}, though this one is at
     * {@link #own()}: this home's file was rolled back (restored from a backup). Moves past it, durably.
     */
    synchronized void atLeast(int seen) {
        if (seen >= own) {
            own = seen + 1;
            store();
        }
    }

    /** Learns that {@code site} runs incarnation {@code inc} (from an authentic message); persists a growth. */
    synchronized void learn(int site, int inc) {
        Integer known = peers.get(site);
        if (known != null && known >= inc) {
            return;
        }
        if (known == null && peers.size() >= maxPeers) {
            return; // bounded; such a site's messages are refused by the replay guard anyway
        }
        peers.put(site, inc);
        store();
    }

    /** The incarnation known for {@code site}, or -1. */
    synchronized int peer(int site) {
        Integer known = peers.get(site);
        return known == null ? -1 : known;
    }

    /** Every known peer incarnation, as parallel arrays {sites, incarnations}. */
    synchronized int[][] peers() {
        int[] sites = new int[peers.size()];
        int[] incs = new int[peers.size()];
        int i = 0;
        for (Map.Entry<Integer, Integer> e : peers.entrySet()) {
            sites[i] = e.getKey();
            incs[i] = e.getValue();
            i++;
        }
        return new int[][] {sites, incs};
    }
}
