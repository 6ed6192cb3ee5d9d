package dev.repdb.rep;

import dev.repdb.log.Lsn;
import dev.repdb.rep.auth.MessageAuthenticator;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.wire.Payloads;
import dev.repdb.rep.wire.Reassembly;
import dev.repdb.store.Engine;

/**
 * The state of one replication site, shared by its parts: who it is, its role, generation and master, and the
 * parts that own the rest (one per role or phase). Every field is guarded by the replication lock, which the
 * driver ({@link Replication}) holds for the whole of a transition; the volatile ones are also read without it.
 *
 * <p>Parts reach each other through this hub ({@code s.sync}, {@code s.apply}...). Nothing here does I/O but the
 * engine's (the log and the databases, see {@link Engine}) and the metadata file ({@link RepMeta}); messages,
 * timers and events go to {@link #fx}.
 */
final class Site {

    /** Runs a later transition (a timer, a finished fsync) as the driver runs every input: locked, then drained. */
    interface Driver {
        void transition(Runnable body);

        /** Hands queued messages to the transport now (no lock needed; one sender at a time). */
        void flush();
    }

    final Engine engine;
    final RepConfig config;
    /** The clock (time is an input: read only through it) and the worker that finished fsyncs call back on. */
    final Scheduler scheduler;
    final RepMeta meta;
    final int groupId;
    final Counters counters = new Counters();
    final Effects fx = new Effects();
    final Driver driver;
    /** Signs what this site sends (null: group secrets off). */
    final MessageAuthenticator auth;

    volatile Transport transport;
    volatile int localId = Transport.EID_INVALID;
    volatile RepRole role;
    volatile int generation;
    byte[] cdata = new byte[0];
    volatile int masterId = Transport.EID_INVALID;
    byte[] masterCdata = new byte[0];
    /** The master this client followed last, and in which generation (until it follows another). */
    int formerMasterId = Transport.EID_INVALID;
    int formerMasterGeneration = -1;
    /** When a message of the former master last arrived (since it became the former one). */
    long formerMasterHeardNanos;
    boolean closed;

    final Dispatch dispatch;
    final Roles roles;
    final Elections elections;
    final MasterTransfer transfer;
    final Leases leases;
    final Acknowledgements acks;
    final Shipping shipping;
    final Serving serving;
    final ClientSync sync;
    final ClientApply apply;
    final Requests requests;
    final Ticks ticks;
    final Archiving archiving;
    /** On a master: when its end of log passed which LSN (each client's lag in records and seconds). */
    final LagHistory lag = new LagHistory();

    Site(Engine engine, RepConfig config, Scheduler scheduler, RepMeta meta, MessageAuthenticator auth, Driver driver) {
        this.engine = engine;
        this.config = config;
        this.scheduler = scheduler;
        this.meta = meta;
        this.groupId = config.groupId();
        this.driver = driver;
        this.auth = auth;
        this.generation = meta.state().generation();
        this.dispatch = new Dispatch(this);
        this.roles = new Roles(this);
        this.elections = new Elections(this);
        this.transfer = new MasterTransfer(this);
        this.leases = new Leases(this);
        this.acks = new Acknowledgements(this);
        this.shipping = new Shipping(this);
        this.serving = new Serving(this);
        this.sync = new ClientSync(this);
        this.apply = new ClientApply(this);
        this.requests = new Requests(this);
        this.ticks = new Ticks(this);
        this.archiving = new Archiving(this);
    }

    long now() {
        return scheduler.nanoTime();
    }

    /** Master, or a client that heard from its master within the master timeout. */
    boolean masterAlive() {
        return role == RepRole.MASTER || masterId != Transport.EID_INVALID
                && now() - sync.lastHeardFromMaster < config.masterTimeout().toNanos();
    }

    /** {@link Message#F_ACK} if this site's commits, as master, wait for acknowledgements. */
    int ackFlag() {
        return config.acksRequired() > 0 ? Message.F_ACK : 0;
    }

    /** The size of a bulk batch or snapshot chunk: the bulk size, within one message (so it is not fragmented). */
    int batchLimit() {
        return Math.min(config.bulkBytes(), config.maxMessageBytes());
    }

    // ------------------------------------------------------------------ the outbox

    void broadcast(MessageType type, int flags, Lsn lsn, byte[] rec) {
        send(Transport.EID_BROADCAST, type, flags, lsn, Lsn.ZERO, rec, 0);
    }

    void send(int target, MessageType type, int flags, Lsn lsn, Lsn prev, byte[] rec, int transportFlags) {
        if (transport == null || localId < 0) {
            return;
        }
        enqueue(target, type, generation, flags, lsn, prev, rec, transportFlags);
    }

    /**
     * Queues a message for the transport; one whose {@code rec} exceeds the message limit goes as FRAGMENT pieces
     * (each carrying the whole message's header fields) that the receiver reassembles.
     */
    void enqueue(int target, MessageType type, int gen, int flags, Lsn lsn, Lsn prev, byte[] rec, int transportFlags) {
        int limit = config.maxMessageBytes();
        if (rec.length <= limit) {
            Message message = new Message(type, localId, target, gen, flags, lsn, prev, rec);
            fx.outbox.add(new Effects.Outgoing(target, control(message), rec, lsn, transportFlags));
            return;
        }
        counters.increment("fragmented_messages");
        for (Payloads.Fragment piece : Reassembly.split(type, flags, rec, limit - Payloads.FRAGMENT_HEADER)) {
            byte[] body = Payloads.fragment(piece);
            Message message = new Message(MessageType.FRAGMENT, localId, target, gen, flags, lsn, prev, body);
            fx.outbox.add(new Effects.Outgoing(target, control(message), body, lsn, transportFlags));
        }
    }

    /** The wire control of {@code message}: its header, sealed with a MAC when group secrets are on. */
    private byte[] control(Message message) {
        byte[] header = MessageCodec.encodeControl(groupId, message);
        return auth == null ? header : auth.seal(header, message.rec(), message.destination());
    }
}
