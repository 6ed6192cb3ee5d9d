package dev.repdb.rep.auth;

import dev.repdb.log.Storage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticates one site's replication messages and keeps replays out.
 *
 * <p><b>Wire form.</b> With group secrets on, a message's {@code control} is the protocol's fixed header followed by
 * a trailer: format (u8, 1), the sender's incarnation (u32), the message's sequence number in that incarnation
 * (u64, from 1), a count n (u16) and n pairs (site i32, incarnation u32) of the incarnations the sender knows of its
 * receivers (all it knows for a broadcast, the destination's for a directed message), then an HMAC-SHA256 (32
 * bytes) over the group name, the header (which holds group id, sender, destination, type, flags, generation, LSNs,
 * the length and checksum of {@code rec}), the trailer before the MAC, and {@code rec}.
 *
 * <p><b>Receiving</b> is two steps around the protocol's own header checks: {@link #verify} (the MAC under any
 * accepted secret, else {@link AuthenticationFailedException}), then, once the header is known to be addressed
 * from {@code envId} to this site, {@link #admit}: the message is processed only if it names this site's current
 * incarnation (so it was made after this site last started) and the replay guard has not seen its (sender
 * incarnation, sequence) yet. Either side may restart at any time; see {@code docs/security.md}.
 *
 * <p>Thread-safe; {@link #seal} and {@link #verify} take no lock ({@code Mac} objects are cloned per call).
 */
public final class MessageAuthenticator {

    public static final int MAC_BYTES = 32;
    static final int FORMAT = 1;
    /** format, incarnation, sequence, peer count */
    static final int FIXED_BYTES = 1 + 4 + 8 + 2;
    static final int PEER_BYTES = 8;
    private static final byte[] DOMAIN = "repdb replication message v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] groupLabel;
    private final int headerBytes;
    private final int maxPeers;
    private final Incarnations incarnations;
    private final ReplayGuard guard;
    private final AtomicLong sequence = new AtomicLong();
    private volatile Keys keys;

    /** The keys of one {@link GroupSecrets}, as initialized MACs to clone. */
    private record Keys(GroupSecrets secrets, Mac signing, Mac[] accepted) {
    }

    /** An authentic message: its protocol header and what its trailer says. */
    public static final class Verified {
        private final byte[] header;
        final int incarnation;
        final long sequence;
        final int[] peerSites;
        final int[] peerIncarnations;

        Verified(byte[] header, int incarnation, long sequence, int[] peerSites, int[] peerIncarnations) {
            this.header = header;
            this.incarnation = incarnation;
            this.sequence = sequence;
            this.peerSites = peerSites;
            this.peerIncarnations = peerIncarnations;
        }

        /** The protocol's header, without the trailer. */
        public byte[] header() {
            return header;
        }

        int incarnationOf(int site) {
            for (int i = 0; i < peerSites.length; i++) {
                if (peerSites[i] == site) {
                    return peerIncarnations[i];
                }
            }
            return -1;
        }
    }

    private MessageAuthenticator(GroupSecrets secrets, String groupName, int headerBytes, int maxPeers,
                                 Incarnations incarnations) {
        this.groupLabel = groupName.getBytes(StandardCharsets.UTF_8);
        this.headerBytes = headerBytes;
        this.maxPeers = maxPeers;
        this.incarnations = incarnations;
        this.guard = new ReplayGuard(maxPeers);
        setSecrets(secrets);
    }

    /**
     * The authenticator of the site whose home is {@code home}: starts a new incarnation there (durably) before
     * returning, so nothing this run sends can be mistaken for an earlier run's message.
     *
     * @param headerBytes the size of the protocol's fixed header, which the trailer follows
     * @param maxPeers    the most senders this site tracks (more are refused, see {@link Freshness#TOO_MANY_SENDERS})
     */
    public static MessageAuthenticator open(GroupSecrets secrets, String groupName, int headerBytes, int maxPeers,
                                            Storage storage, Path home) {
        if (secrets == null) {
            throw new IllegalArgumentException("group secrets are required");
        }
        return new MessageAuthenticator(secrets, groupName, headerBytes, maxPeers,
                Incarnations.open(storage, home, maxPeers));
    }

    /** Switches secrets at run time (key rotation): takes effect for the next message sent or received. */
    public void setSecrets(GroupSecrets secrets) {
        if (secrets == null) {
            throw new IllegalArgumentException("group secrets are required");
        }
        Mac[] accepted = new Mac[secrets.acceptedKeys().size()];
        for (int i = 0; i < accepted.length; i++) {
            accepted[i] = mac(secrets.acceptedKeys().get(i));
        }
        this.keys = new Keys(secrets, accepted[0], accepted);
    }

    public GroupSecrets secrets() {
        return keys.secrets();
    }

    /** This run's incarnation. */
    public int incarnation() {
        return incarnations.own();
    }

    /** The incarnation this site knows of {@code site}, or -1. */
    public int knownIncarnation(int site) {
        return incarnations.peer(site);
    }

    /** How long {@link #seal} makes a control of {@code headerBytes} for a message naming {@code peers} peers. */
    public int controlBytes(int peers) {
        return headerBytes + FIXED_BYTES + PEER_BYTES * peers + MAC_BYTES;
    }

    // ------------------------------------------------------------------ sending

    /**
     * Appends the trailer and MAC to {@code header} (the protocol's control header of a message to
     * {@code destination}, or a negative id for a broadcast) and returns the control to send.
     */
    public byte[] seal(byte[] header, byte[] rec, int destination) {
        if (header.length != headerBytes) {
            throw new IllegalArgumentException("a header has " + headerBytes + " bytes, not " + header.length);
        }
        int[] sites;
        int[] incs;
        if (destination >= 0) {
            int known = incarnations.peer(destination);
            sites = known < 0 ? new int[0] : new int[] {destination};
            incs = known < 0 ? new int[0] : new int[] {known};
        } else {
            int[][] all = incarnations.peers();
            sites = all[0];
            incs = all[1];
        }
        ByteBuffer out = ByteBuffer.allocate(controlBytes(sites.length));
        out.put(header).put((byte) FORMAT).putInt(incarnations.own()).putLong(sequence.incrementAndGet())
                .putShort((short) sites.length);
        for (int i = 0; i < sites.length; i++) {
            out.putInt(sites[i]).putInt(incs[i]);
        }
        byte[] control = out.array();
        byte[] tag = tag(clone(keys.signing()), control, control.length - MAC_BYTES, rec);
        System.arraycopy(tag, 0, control, control.length - MAC_BYTES, MAC_BYTES);
        return control;
    }

    // ------------------------------------------------------------------ receiving

    /**
     * Checks {@code control}'s MAC under every accepted secret. Work is proportional to the message's size.
     *
     * @throws AuthenticationFailedException if there is no trailer, it is malformed or cut short, or no accepted
     *                                         secret verifies the MAC
     */
    public Verified verify(byte[] control, byte[] rec) {
        if (control == null || rec == null) {
            throw new AuthenticationFailedException("control and rec must not be null");
        }
        if (control.length < headerBytes + FIXED_BYTES + MAC_BYTES) {
            throw new AuthenticationFailedException(control.length <= headerBytes
                    ? "no message authentication code (control of " + control.length + " bytes; this group signs "
                    + "its messages)" : "authentication trailer cut short (control of " + control.length + " bytes)");
        }
        ByteBuffer in = ByteBuffer.wrap(control, headerBytes, control.length - headerBytes);
        int format = Byte.toUnsignedInt(in.get());
        int incarnation = in.getInt();
        long seq = in.getLong();
        int n = Short.toUnsignedInt(in.getShort());
        if (format != FORMAT) {
            throw new AuthenticationFailedException("unknown authentication format " + format);
        }
        if (n > maxPeers || control.length != controlBytes(n)) {
            throw new AuthenticationFailedException("authentication trailer of " + (control.length - headerBytes)
                    + " bytes does not match its " + n + " peer entries");
        }
        byte[] tag = null;
        boolean ok = false;
        for (Mac candidate : keys.accepted()) {
            tag = tag(clone(candidate), control, control.length - MAC_BYTES, rec);
            // constant time, and every accepted key is tried, so timing tells nothing about which one matched
            ok |= MessageDigest.isEqual(tag, java.util.Arrays.copyOfRange(control, control.length - MAC_BYTES,
                    control.length));
        }
        if (!ok) {
            throw new AuthenticationFailedException("message authentication code does not verify under any of "
                    + "this site's " + keys.accepted().length + " accepted group secret(s) " + keys.secrets().keyIds()
                    + ": forged, altered, or signed with another secret");
        }
        int[] sites = new int[n];
        int[] incs = new int[n];
        for (int i = 0; i < n; i++) {
            sites[i] = in.getInt();
            incs[i] = in.getInt();
        }
        return new Verified(java.util.Arrays.copyOf(control, headerBytes), incarnation, seq, sites, incs);
    }

    /**
     * Decides whether an authentic message from {@code sender} (whose header the protocol has checked: from
     * {@code envId}, to this site {@code localId}) is processed. Learns the sender's incarnation either way, which is
     * what lets traffic resume after either side restarts.
     */
    public Freshness admit(Verified v, int sender, int localId) {
        incarnations.learn(sender, v.incarnation);
        int named = v.incarnationOf(localId);
        int own = incarnations.own();
        if (named > own) {
            incarnations.atLeast(named);
            return Freshness.NOT_FRESH;
        }
        if (named != own) {
            return Freshness.NOT_FRESH;
        }
        return guard.admit(sender, v.incarnation, v.sequence);
    }

    // ------------------------------------------------------------------ MAC

    private byte[] tag(Mac mac, byte[] control, int macInputLength, byte[] rec) {
        mac.update(DOMAIN);
        mac.update(ByteBuffer.allocate(4).putInt(groupLabel.length).array());
        mac.update(groupLabel);
        mac.update(control, 0, macInputLength);
        mac.update(rec);
        return mac.doFinal();
    }

    private static Mac mac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(GroupSecrets.ALGORITHM);
            mac.init(key);
            return mac;
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("unusable group secret " + e.getClass().getSimpleName());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + GroupSecrets.ALGORITHM, e);
        }
    }

    private static Mac clone(Mac prototype) {
        try {
            return (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("this JDK's " + GroupSecrets.ALGORITHM + " cannot be cloned", e);
        }
    }
}
