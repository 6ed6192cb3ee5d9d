package dev.repdb.rep;

import dev.repdb.LeaseExpiredException;
import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageType;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Master leases: on a master, each client's grant (it serves reads and commits only while a majority's grants are
 * valid); on a client, the grant it gave and to whom (it follows no other master and votes in no election until
 * that grant expires). Grants are counted shorter on the master and kept longer on the client, by the clock skew.
 */
final class Leases {

    private final Site s;
    /** On a master: each client's grant expiry, on this master's clock. */
    private final Map<Integer, Long> grants = new HashMap<>();
    /** On a client: when its last grant expires (its clock), and to which master. */
    private long grantExpiryNanos;
    private int grantedTo = Transport.EID_INVALID;

    Leases(Site s) {
        this.s = s;
        if (s.config.leases()) {
            // it may have granted a lease just before it stopped: wait that out before following a new master
            grantExpiryNanos = s.now() + clientLeaseNanos();
        }
    }

    /** With master leases, a master serves reads and commits only while a majority's grants are valid. */
    void check() {
        if (!valid()) {
            s.counters.increment("lease_checks_failed");
            throw new LeaseExpiredException("site " + s.localId + " holds valid lease grants from "
                    + validGrants() + " clients; a majority needs " + (s.config.nsites() / 2));
        }
    }

    private boolean valid() {
        return validGrants() >= s.config.nsites() / 2;
    }

    private int validGrants() {
        long now = s.now();
        int valid = 0;
        for (long expiry : grants.values()) {
            if (expiry - now > 0) {
                valid++;
            }
        }
        return valid;
    }

    void clearGrants() {
        grants.clear();
    }

    /** On a master: a client's LEASE_GRANT, echoing the send time of the heartbeat it answers. */
    void handleGrant(Message m) {
        long sentAt = ByteBuffer.wrap(m.rec()).getLong();
        if (s.config.leases() && sentAt - s.now() <= 0) {
            grants.merge(m.sender(), sentAt + masterLeaseNanos(), Math::max);
        }
    }

    /** On a client: a heartbeat from its master asks for a grant (unless this site is voting). */
    void maybeGrant(Message heartbeat) {
        if (s.config.leases() && heartbeat.rec().length == 8 && s.elections.election == null) {
            grantExpiryNanos = s.now() + clientLeaseNanos();
            grantedTo = s.masterId;
            s.counters.increment("lease_grants_sent");
            s.send(s.masterId, MessageType.LEASE_GRANT, 0, s.engine.appliedLsn(), Lsn.ZERO, heartbeat.rec(), 0);
        }
    }

    /** On a client: whether its grant to another master than {@code sender} still holds it back. */
    boolean holdsBack(int sender) {
        return s.config.leases() && sender != grantedTo && s.now() - grantExpiryNanos < 0;
    }

    /** How long this client's last grant is still valid (nanoseconds; zero or less: expired). */
    long grantLeftNanos() {
        return grantExpiryNanos - s.now();
    }

    /** How long a master counts a grant: shorter by the clock skew. */
    private long masterLeaseNanos() {
        return (long) (s.config.leaseTimeout().toNanos() / s.config.clockSkew());
    }

    /** How long a client keeps a grant: longer by the clock skew. */
    private long clientLeaseNanos() {
        return (long) (s.config.leaseTimeout().toNanos() * s.config.clockSkew());
    }

    /** The heartbeat interval: at most a third of the lease, so grants are renewed before they run out. */
    long heartbeatNanos() {
        long interval = s.config.heartbeatInterval().toNanos();
        return s.config.leases() ? Math.min(interval, s.config.leaseTimeout().toNanos() / 3) : interval;
    }

    /** With leases, a heartbeat carries its send time, which the grant echoes. */
    byte[] heartbeatPayload() {
        return s.config.leases() ? ByteBuffer.allocate(8).putLong(s.now()).array() : new byte[0];
    }
}
