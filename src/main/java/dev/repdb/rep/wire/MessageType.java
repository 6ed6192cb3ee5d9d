package dev.repdb.rep.wire;

/**
 * The replication message types. Numbers are repdb's own wire values (not Berkeley DB's); the semantics follow
 * Berkeley DB's base replication protocol, plus explicit acknowledgements and heartbeats, which Berkeley DB leaves
 * to the application or to its Replication Manager.
 */
public enum MessageType {
    ALIVE(1),
    ALIVE_REQ(2),
    ALL_REQ(3),
    BULK_LOG(4),
    DUPMASTER(6),
    LOG(11),
    LOG_MORE(12),
    LOG_REQ(13),
    MASTER_REQ(14),
    NEWCLIENT(15),
    NEWMASTER(17),
    NEWSITE(18),
    REREQUEST(23),
    VERIFY(27),
    VERIFY_FAIL(28),
    VERIFY_REQ(29),
    VOTE1(30),
    VOTE2(31),
    /** A client acknowledges that its log holds the master's records up to the header LSN durably. */
    ACK(40),
    /** The master's periodic liveness message; the header LSN is the master's last record. */
    HEARTBEAT(41),
    /** A client asks the master for a snapshot (automatic initialization). */
    SNAPSHOT_REQ(42),
    /** A chunk of the master's snapshot. */
    SNAPSHOT(43),
    /**
     * A piece of a message whose {@code rec} is larger than the transport's message limit (a big commit record, a
     * snapshot item); the receiver reassembles the pieces and then processes the whole message.
     */
    FRAGMENT(44),
    /**
     * The master hands over to the site named in the payload: it has stopped accepting commits, that site holds
     * its last commit, and every site now elects, preferring that site among those with the newest log.
     */
    MASTER_TRANSFER(45),
    /** A client grants its master a lease: the payload echoes the master's clock from the heartbeat granted. */
    LEASE_GRANT(46);

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /**
     * Whether a message of this type may overtake the log traffic (a transport sends it urgently, at a higher
     * priority; DESIGN.md §4): votes and the rest of an election (ALIVE, ALIVE_REQ), DUPMASTER, lease grants, a master
     * transfer, acknowledgements. Not heartbeats, NEWMASTER, requests and anything else that names a position in the
     * log stream: those travel in order with it.
     */
    public boolean overtakesLog() {
        return switch (this) {
            case VOTE1, VOTE2, ALIVE, ALIVE_REQ, DUPMASTER, LEASE_GRANT, MASTER_TRANSFER, ACK -> true;
            default -> false;
        };
    }

    private static final MessageType[] BY_CODE = new MessageType[64];

    static {
        for (MessageType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    /** The type with wire value {@code code}, or null. */
    public static MessageType of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
