package dev.repdb.rep;

import dev.repdb.AckPolicy;
import dev.repdb.Durability;
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
 */
public record RepConfig(String groupName, int nsites, int priority, AckPolicy ackPolicy, Duration ackTimeout,
                        Durability durability, boolean allowAppointedMaster, Duration heartbeatInterval,
                        Duration requestMin, Duration requestMax, boolean autoInit, boolean delayClient,
                        boolean bulk, int bulkBytes, Duration bulkLinger, int throttleBytes, int maxMessageBytes) {

    public static RepConfig defaults() {
        return new RepConfig("repdb", 3, 100, AckPolicy.QUORUM, Duration.ofSeconds(1), Durability.SYNC, false,
                Duration.ofMillis(500), Duration.ofMillis(40), Duration.ofMillis(1280), true, false, false,
                64 * 1024, Duration.ZERO, 1 << 20, 60 * 1024);
    }

    public int groupId() {
        return MessageCodec.groupId(groupName);
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
