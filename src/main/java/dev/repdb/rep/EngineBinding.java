package dev.repdb.rep;

import dev.repdb.CommitToken;
import dev.repdb.NotMasterException;
import dev.repdb.log.Lsn;
import dev.repdb.store.Engine;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the engine asks replication, on the committing (or reading) thread: may this site write or read now (a
 * master, not handing over, with valid leases), ship this appended record, and wait for this commit's
 * acknowledgements. These calls come from the engine's threads, not from a transition: shipping runs under the
 * engine's apply lock and only queues; the checks take the replication lock briefly where they read guarded state.
 */
final class EngineBinding {

    private final Site s;
    private final ReentrantLock lock;

    EngineBinding(Site s, ReentrantLock lock) {
        this.s = s;
        this.lock = lock;
    }

    void bind(Engine engine) {
        engine.setReadPermission(this::checkLease);
        engine.setWritePermission(this::checkWritable);
        engine.setReplicationHook(new Engine.ReplicationHook() {
            @Override
            public void appended(Lsn lsn, Lsn prev, byte[] payload) {
                if (s.role == RepRole.MASTER) {
                    s.lag.appended(lsn, s.generation, s.now()); // when the end passed which LSN: lag in seconds
                }
                s.shipping.shipLive(lsn, prev, payload);
            }

            @Override
            public CompletableFuture<Void> committed(CommitToken token) {
                return awaitAcks(token);
            }
        });
    }

    private void checkWritable() {
        if (!s.meta.state().started()) {
            return; // a standalone database
        }
        checkLease();
        MasterTransfer.Transfer handingOver = s.transfer.inProgress();
        if (s.role == RepRole.MASTER && handingOver != null) {
            throw new NotMasterException("this master is handing over to site " + handingOver.target(),
                    OptionalInt.of(handingOver.target()), new byte[0]);
        }
        if (s.role != RepRole.MASTER) {
            int master = s.masterId;
            throw new NotMasterException("this site (" + s.localId + ") is not the master"
                    + (master >= 0 ? "; the master is site " + master : "; no master is known"),
                    master >= 0 ? OptionalInt.of(master) : OptionalInt.empty(), masterCdataSnapshot());
        }
    }

    /** With master leases, a master serves reads and commits only while a majority's grants are valid. */
    private void checkLease() {
        if (!s.config.leases() || s.role != RepRole.MASTER) {
            return;
        }
        lock.lock();
        try {
            s.leases.check();
        } finally {
            lock.unlock();
        }
    }

    private byte[] masterCdataSnapshot() {
        lock.lock();
        try {
            return s.masterCdata.clone();
        } finally {
            lock.unlock();
        }
    }

    private CompletableFuture<Void> awaitAcks(CommitToken token) {
        s.driver.flush();
        int required = s.config.acksRequired();
        if (s.role != RepRole.MASTER || (required == 0 && s.config.maxLagBytes() <= 0)) {
            return CompletableFuture.completedFuture(null);
        }
        lock.lock();
        try {
            if (s.role != RepRole.MASTER || s.generation != token.generation()) {
                // stepped down between the commit and here: the step-down failed the waiters it knew of, and no
                // master tick would ever settle one added now
                return CompletableFuture.failedFuture(new NotMasterException("site " + s.localId
                        + " is no longer master", OptionalInt.empty(), null));
            }
            return required == 0 ? s.acks.pace(token) : s.acks.await(token);
        } finally {
            lock.unlock();
        }
    }
}
