package dev.repdb.rep;

import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.wire.Payloads;

/**
 * The step function: the generation filter every message passes first, then one handler per message type for the
 * role the site is in ({@link #stepMaster}, {@link #stepClient}), in the manner of etcd raft's {@code Step}.
 * Results go to the transition's events ({@code s.fx}).
 */
final class Dispatch {

    private final Site s;

    Dispatch(Site s) {
        this.s = s;
    }

    private static boolean isClientOnly(MessageType type) {
        return switch (type) {
            case LOG, LOG_MORE, BULK_LOG, VERIFY, VERIFY_FAIL, REREQUEST, SNAPSHOT, HEARTBEAT -> true;
            default -> false;
        };
    }

    /** What only a client following this master at its generation sends it. */
    private static boolean followsMaster(MessageType type) {
        return switch (type) {
            case ACK, LOG_REQ, ALL_REQ, VERIFY_REQ, SNAPSHOT_REQ, LEASE_GRANT -> true;
            default -> false;
        };
    }

    private static boolean passesOlderGeneration(MessageType type) {
        return switch (type) {
            case ALIVE_REQ, NEWCLIENT, MASTER_REQ, VOTE1 -> true;
            default -> false;
        };
    }

    void step(Message m) {
        if (m.sender() == s.formerMasterId) {
            s.formerMasterHeardNanos = s.now(); // alive: an election does not give up on its vote (Elections)
        }
        // Two masters met: both step down (reference §3.2-3.3). The stale one sees the newer generation below; its
        // DUPMASTER broadcast is let through from an older generation, so the newer one steps down too. Nothing else
        // of an older generation counts as evidence: a late or replayed message of a former master must not depose
        // the current one. With master leases a master with valid grants cannot be displaced: only the stale one
        // steps down (and nobody broadcasts DUPMASTER).
        if (s.role == RepRole.MASTER && m.generation() < s.generation && m.type() == MessageType.DUPMASTER
                && !s.config.leases()) {
            duplicateMaster(m);
            return;
        }
        // The generation filter: the first check on every message.
        if (m.generation() < s.generation && !passesOlderGeneration(m.type())) {
            s.counters.increment("msgs_badgen");
            s.fx.status(RepStatus.IGNORE);
            return;
        }
        if (m.generation() > s.generation) {
            if (s.role == RepRole.MASTER) {
                duplicateMaster(m);
                return;
            }
            switch (m.type()) {
                case ALIVE, VOTE1, VOTE2 -> {
                    s.roles.adoptGeneration(m.generation());
                    s.roles.forgetMaster();
                    if (m.type() == MessageType.ALIVE) {
                        s.broadcast(MessageType.MASTER_REQ, 0, Lsn.ZERO, new byte[0]);
                    }
                }
                case NEWMASTER -> {
                    // handleNewMaster adopts the generation
                }
                default -> {
                    s.counters.increment("msgs_badgen");
                    s.fx.status(RepStatus.IGNORE);
                    // a newer generation exists and this client missed its NEWMASTER: ask for the master
                    s.requests.maybeAskForNewerMaster();
                    return;
                }
            }
        }
        if (s.role == RepRole.MASTER) {
            stepMaster(m);
        } else {
            stepClient(m);
        }
    }

    /**
     * This master met another master's traffic: it tells the others (unless that is what it heard, or leases are
     * on), steps down to client at once (its waiting commits fail with {@link dev.repdb.NotMasterException}, no
     * new one is accepted) and returns DUPMASTER; the application (or {@link Reactions}) then holds an election,
     * which the most up-to-date log wins, so an acknowledged commit survives and only unacknowledged tails are
     * rolled back.
     */
    private void duplicateMaster(Message m) {
        s.counters.increment("dupmasters");
        if (m.type() != MessageType.DUPMASTER && !s.config.leases()) {
            s.broadcast(MessageType.DUPMASTER, 0, Lsn.ZERO, new byte[0]);
        }
        s.roles.becomeClient();
        s.fx.status(RepStatus.DUPMASTER);
    }

    private void stepMaster(Message m) {
        if (isClientOnly(m.type())) {
            duplicateMaster(m);
            return;
        }
        if (m.generation() == s.generation && followsMaster(m.type())) {
            s.transfer.follows(m.sender());
        }
        switch (m.type()) {
            case NEWMASTER, DUPMASTER -> duplicateMaster(m);
            case VOTE1 -> {
                // a voter in a newer election no longer follows this master: its acknowledgements stop counting
                int egen = Vote.decode(m.sender(), m.lsn(), m.rec()).electionGeneration();
                if (egen > s.generation) {
                    s.acks.forget(m.sender());
                    s.transfer.noteNewerElection(m.sender(), egen);
                }
                announceMaster();
            }
            case MASTER_REQ, VOTE2 -> announceMaster();
            case NEWCLIENT -> {
                s.counters.increment("newsites");
                s.broadcast(MessageType.NEWSITE, 0, Lsn.ZERO, m.rec());
                announceMaster();
                s.fx.emit(new SiteEvent.NewSite(m.rec()));
            }
            case NEWSITE -> {
                s.counters.increment("newsites");
                s.send(m.sender(), MessageType.NEWMASTER, 0, s.engine.lastLsn(), Lsn.ZERO, s.cdata, 0);
                s.fx.emit(new SiteEvent.NewSite(m.rec()));
            }
            case ALIVE_REQ -> s.elections.sendAlive(m.sender());
            case ALL_REQ, LOG_REQ -> s.serving.handleRangeRequest(m);
            case VERIFY_REQ -> s.serving.handleVerifyRequest(m);
            case SNAPSHOT_REQ -> s.serving.handleSnapshotRequest(m);
            case LEASE_GRANT -> s.leases.handleGrant(m);
            case ACK -> s.acks.handleAck(m);
            default -> { /* ALIVE: the generation filter did the work */ }
        }
    }

    private void announceMaster() {
        s.broadcast(MessageType.NEWMASTER, 0, s.engine.lastLsn(), s.cdata);
    }

    private void stepClient(Message m) {
        switch (m.type()) {
            case LOG, LOG_MORE -> s.apply.handleLog(m);
            case BULK_LOG -> s.apply.handleBulk(m);
            case HEARTBEAT -> s.apply.handleHeartbeat(m);
            case NEWMASTER -> s.sync.handleNewMaster(m);
            case VERIFY -> s.sync.handleVerify(m);
            case VERIFY_FAIL -> s.sync.handleVerifyFail(m);
            case SNAPSHOT -> s.sync.handleSnapshot(m);
            case REREQUEST -> s.requests.handleRerequest(m.sender());
            case NEWCLIENT -> {
                s.counters.increment("newsites");
                s.broadcast(MessageType.NEWSITE, 0, Lsn.ZERO, m.rec());
                s.broadcast(MessageType.ALIVE, 0, s.engine.lastLsn(),
                        Payloads.int32(s.elections.currentElectionGeneration()));
                // our master restarted as a client; a NEWCLIENT of an older generation than the one we follow it in
                // was sent before it became master (a late or replayed one: it stepped down and was appointed
                // again since)
                if (m.sender() == s.masterId && m.generation() >= s.generation) {
                    s.roles.forgetMaster();
                }
                s.fx.emit(new SiteEvent.NewSite(m.rec()));
            }
            case NEWSITE -> {
                s.counters.increment("newsites");
                s.fx.emit(new SiteEvent.NewSite(m.rec()));
            }
            case MASTER_REQ -> {
                if (m.generation() < s.generation) {
                    s.elections.sendAlive(m.sender());
                }
            }
            case ALIVE_REQ -> s.elections.sendAlive(m.sender());
            case ALL_REQ, LOG_REQ, VERIFY_REQ -> s.serving.handlePeerRequest(m);
            case MASTER_TRANSFER -> s.transfer.handleTransfer(m);
            case VOTE1 -> {
                if (m.has(Message.F_GROUP_ESTABLISHED)) {
                    s.elections.learnGroupEstablished();
                }
                s.elections.handleVote(Vote.decode(m.sender(), m.lsn(), m.rec()));
            }
            case VOTE2 -> s.elections.handleSecondVote(m.sender(), Payloads.decodeInt32(m.rec()));
            case ALIVE -> s.elections.handleAlive(m);
            default -> { /* DUPMASTER (clients ignore it), ACK, SNAPSHOT_REQ: nothing for a client */ }
        }
    }
}
