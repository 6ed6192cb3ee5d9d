package dev.repdb.minigroup;

import dev.repdb.log.Lsn;
import dev.repdb.rep.Transport;
import dev.repdb.rep.TransportException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Transport} around a real one that applies {@link Faults} at the sender: a dropped message is never
 * handed over (as if the network lost it), a delayed one is handed over later from {@code delayer}. While faults
 * are on, a broadcast that the faults treat differently per target is sent as one directed message per target
 * (its control still says broadcast, which every site accepts); otherwise it stays one broadcast. Without faults
 * every call goes straight through.
 */
public final class FaultyTransport implements Transport {
    private final int self;
    private final int size;
    private final Transport delegate;
    private final Faults faults;
    private final ScheduledExecutorService delayer;

    public FaultyTransport(int self, int size, Transport delegate, Faults faults, ScheduledExecutorService delayer) {
        this.self = self;
        this.size = size;
        this.delegate = delegate;
        this.faults = faults;
        this.delayer = delayer;
    }

    @Override
    public void send(int envId, byte[] control, byte[] rec, Lsn lsn, int flags) throws TransportException {
        if (!faults.active()) {
            delegate.send(envId, control, rec, lsn, flags);
            return;
        }
        boolean broadcast = envId == EID_BROADCAST;
        Faults.Decision[] decisions = new Faults.Decision[size + 1];
        boolean allNow = true;
        for (int to = 1; to <= size; to++) {
            if (to != self && (broadcast || to == envId)) {
                decisions[to] = faults.decide(new Envelope(self, to, control, rec, flags));
                allNow &= !decisions[to].drop() && decisions[to].delay().isZero();
            }
        }
        if (broadcast && allNow) {
            delegate.send(envId, control, rec, lsn, flags);
            return;
        }
        for (int to = 1; to <= size; to++) {
            Faults.Decision d = decisions[to];
            if (d == null || d.drop()) {
                continue;
            }
            if (d.delay().isZero()) {
                delegate.send(to, control, rec, lsn, flags);
            } else {
                sendLater(to, control.clone(), rec.clone(), lsn, flags, d.delay());
            }
        }
    }

    @Override
    public int inFlight() {
        return delegate.inFlight(); // so a master batches behind the real transport, faults or not
    }

    @Override
    public void setDrainListener(Runnable listener) {
        delegate.setDrainListener(listener);
    }

    private void sendLater(int to, byte[] control, byte[] rec, Lsn lsn, int flags, Duration delay) {
        delayer.schedule(() -> {
            try {
                delegate.send(to, control, rec, lsn, flags);
            } catch (TransportException lost) {
                // a delayed message that cannot leave any more (the site went down meanwhile) is lost, as on a network
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
}
