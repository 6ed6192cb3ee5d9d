package dev.repdb.rep;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.InsufficientAcksException;
import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * On a master: the acknowledgements its clients sent ({@link AckTracker}) and the commits waiting for enough of
 * them; a commit short of its policy at the ack timeout fails (PERM_FAILED) but stays committed. An acknowledgement
 * is cumulative: one of LSN x acknowledges every permanent record up to x of its generation. Under ack policy NONE no
 * commit waits for acknowledgements, but commits wait while the slowest client lags too far ({@link BackPressure}).
 */
final class Acknowledgements {

    private final Site s;
    private final AckTracker tracker = new AckTracker();
    private final BackPressure pressure;
    /** The generation and the highest LSN whose commits have met the policy (read by shipping without the lock). */
    private volatile int metGeneration = -1;
    private volatile Lsn metLsn = Lsn.ZERO;

    Acknowledgements(Site s) {
        this.s = s;
        this.pressure = new BackPressure(s.config.ackPolicy() == AckPolicy.NONE ? s.config.maxLagBytes() : 0,
                s.config.masterTimeout().toNanos(), s.counters);
    }

    void reset(int generation) {
        tracker.reset(generation);
        metGeneration = generation;
        metLsn = Lsn.ZERO;
    }

    /**
     * Whether the permanent record at {@code lsn} of generation {@code gen} still lacks the acknowledgements its
     * policy needs (NONE: never). No lock needed.
     */
    boolean awaitingAcks(int gen, Lsn lsn) {
        return s.config.acksRequired() > 0 && gen == metGeneration && lsn.isAfter(metLsn);
    }

    void forget(int site) {
        tracker.forget(site);
        pressure.forget(site);
    }

    Lsn ackedLsn(int site) {
        return tracker.ackedLsns().getOrDefault(site, Lsn.ZERO);
    }

    Map<Integer, Lsn> ackedLsns() {
        return tracker.ackedLsns();
    }

    /** The highest position each client acknowledged in any generation (what archiving keeps). */
    Map<Integer, Lsn> positions() {
        return tracker.positions();
    }

    /** The future a committing thread waits on; completes when the policy is met or at the ack timeout. */
    CompletableFuture<Void> await(CommitToken token) {
        long deadline = s.now() + s.config.ackTimeout().toNanos();
        return tracker.await(token, s.config.acksRequired(), s.config.ackPolicy() == AckPolicy.QUORUM, deadline);
    }

    /** Under NONE: completes when the commit may return (its client lag within the bound, or the wait over). */
    CompletableFuture<Void> pace(CommitToken token) {
        return pressure.pace(token.lsn(), s.now(), s.config.ackTimeout().toNanos());
    }

    void handleAck(Message m) {
        s.counters.increment("acks_received");
        tracker.ack(m.sender(), m.generation(), m.lsn(), m.has(Message.F_ELECTABLE));
        if (m.generation() == s.generation) {
            pressure.reported(m.sender(), m.lsn(), s.now(), s.engine.lastLsn());
        }
        if (s.config.acksRequired() > 0) {
            metLsn = Lsn.max(metLsn, tracker.policyMet(s.config.acksRequired(),
                    s.config.ackPolicy() == AckPolicy.QUORUM));
            if (!s.shipping.awaitingAcks()) {
                s.shipping.releaseHeldBack(); // what committed while the last batch waited for its acks leaves now
            }
        }
        settle();
        s.transfer.maybeHandOver();
    }

    /** Completes the commits whose policy is met, fails those past their deadline (PERM_FAILED). */
    void settle() {
        List<InsufficientAcksException> failed = new ArrayList<>();
        tracker.settle(s.now(), failed).forEach(s.fx::complete);
        pressure.settle(s.now()).forEach(s.fx::complete);
        for (InsufficientAcksException e : failed) {
            s.counters.increment("perm_failed");
            s.fx.emit(new SiteEvent.PermFailed(e.token(), e.acks(), e.required()));
        }
    }

    /** Fails every waiting commit (this master steps down or closes). */
    void failAll(RuntimeException reason) {
        tracker.failAll(reason).forEach(s.fx::complete);
        pressure.releaseAll().forEach(s.fx::complete);
    }
}
