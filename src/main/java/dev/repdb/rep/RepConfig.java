package dev.repdb.rep;

import dev.repdb.AckPolicy;
import dev.repdb.Durability;
import dev.repdb.rep.wire.MessageCodec;
import java.time.Duration;

/**
 * The replication knobs of one site, as taken from {@code EnvironmentConfig}.
 *
 * @param groupName            names the group; its hash is carried in every message, so groups can share a broker
 * @param nsites               the size of the group, the same on every site
 * @param priority             0 = never master
 * @param ackPolicy            acknowledgements a master's commit waits for
 * @param ackTimeout           how long it waits
 * @param durability           this site's durability, which its acknowledgements promise
 * @param allowAppointedMaster whether {@code start(MASTER)} is allowed outside a won election
 * @param heartbeatInterval    how often a master says it is alive, with its last LSN
 * @param requestMin           first wait before re-requesting missing records
 * @param requestMax           the re-request back-off doubles up to this
 * @param autoInit             re-initialize a client from the master's snapshot when its log cannot be used
 * @param delayClient          after a master change, wait for {@code sync()} before synchronizing
 * @param bulk                 batch live records into BULK_LOG messages
 * @param bulkBytes            the largest bulk message (also the snapshot chunk size)
 * @param bulkLinger           how long a bulk batch may wait for more records
 * @param throttleBytes        the most bytes sent in answer to one request before LOG_MORE
 * @param maxMessageBytes      the largest {@code rec} one message carries; larger ones travel as fragments
 * @param electionTimeout      how long each election phase waits for votes
 * @param fullElectionTimeout  the phase-1 wait until this site has seen its group have a master (cold start)
 * @param masterTimeout        a client that has heard nothing from its master for this long considers it lost
 * @param allowMinorityElections an unsafe option: let {@code elect} accept fewer votes than a majority
 * @param leaseTimeout         master leases: how long a grant lasts (zero: leases off)
 * @param clockSkew            master leases: the largest ratio between two sites' clock rates (at least 1)
 * @param groupSecrets         message authentication: the secrets to sign with and accept (null: off)
 * @param inbound              what one message and one sender may cost this site (sizes, fragments, held memory)
 * @param retainLogBytes       log retention: the most log kept for lagging or vanished clients (beyond it they
 *                             re-initialize from a snapshot); see {@code Archiving}
 * @param maxLagBytes          back-pressure under ack policy NONE: a master whose slowest live client is more than
 *                             this many bytes of log behind holds each commit (up to the ack timeout) until it is
 *                             within the bound again; clients report their position every quarter of it. 0: off
 */
public record RepConfig(String groupName, int nsites, int priority, AckPolicy ackPolicy, Duration ackTimeout,
                        Durability durability, boolean allowAppointedMaster, Duration heartbeatInterval,
                        Duration requestMin, Duration requestMax, boolean autoInit, boolean delayClient,
                        boolean bulk, int bulkBytes, Duration bulkLinger, int throttleBytes, int maxMessageBytes,
                        Duration electionTimeout, Duration fullElectionTimeout, Duration masterTimeout,
                        boolean allowMinorityElections, Duration leaseTimeout, double clockSkew,
                        dev.repdb.rep.auth.GroupSecrets groupSecrets, dev.repdb.rep.auth.InboundBounds inbound,
                        long retainLogBytes, long maxLagBytes) {

    /** The default bound on the log kept for lagging or vanished clients: 1 GiB. */
    public static final long DEFAULT_RETAIN_LOG_BYTES = 1L << 30;

    public boolean leases() {
        return !leaseTimeout.isZero();
    }

    /** The default back-pressure bound: 1 MiB of log, some 7,000 small commits. */
    public static final long DEFAULT_MAX_LAG_BYTES = 1L << 20;

    public static RepConfig defaults() {
        return new RepConfig("repdb", 3, 100, AckPolicy.QUORUM, Duration.ofSeconds(1), Durability.SYNC, false,
                // heartbeat 100 ms, master timeout 1.25 s: a hung master is replaced within 1.5 s, and a 1 s pause of
                // an idle master (heard at most 1.1 s apart) is no failover (docs/replication.md, "Master changes")
                Duration.ofMillis(100), Duration.ofMillis(40), Duration.ofMillis(1280), true, false, false,
                64 * 1024, Duration.ZERO, 1 << 20, 60 * 1024, Duration.ofMillis(300), Duration.ofSeconds(3),
                Duration.ofMillis(1250), false, Duration.ZERO, 1.0, null,
                dev.repdb.rep.auth.InboundBounds.of(32 << 20, 60 * 1024, 3), DEFAULT_RETAIN_LOG_BYTES,
                DEFAULT_MAX_LAG_BYTES);
    }

    public int groupId() {
        return MessageCodec.groupId(groupName);
    }

    /** A majority of the group: the default, and the minimum (unless unsafe), number of votes. */
    public int majority() {
        return nsites / 2 + 1;
    }

    /** Acknowledgements a commit needs under the ack policy. */
    public int acksRequired() {
        return switch (ackPolicy) {
            case NONE -> 0;
            case ONE -> nsites > 1 ? 1 : 0;
            case QUORUM -> (nsites - 1) / 2;
            case ALL -> nsites - 1;
        };
    }
}
