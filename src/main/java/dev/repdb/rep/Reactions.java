package dev.repdb.rep;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The reactions the reference pages prescribe to an application, on top of the base API (as Berkeley DB's
 * Replication Manager sits on top of its): DUPMASTER: restart as a client and hold an election; HOLDELECTION: hold
 * an election; NEWMASTER naming this site: start as master; no master heard for the master timeout: hold an
 * election. Each is switchable. Elections run asynchronously ({@link Replication#electAsync}); a failed one is
 * retried after a random back-off while the site still has no master.
 *
 * <p>Feed it every {@link RepResult} ({@link #onResult}) and {@link #start()} it. {@link #onResult} only queues:
 * every reaction ({@code start}, {@code electAsync}) runs as a task on the given scheduler (in a container, the
 * managed executor), never on the thread that delivered the message (DESIGN §1: no start() on a message thread),
 * and so does what follows an election's outcome, which may be completed on a message thread.
 */
public final class Reactions implements AutoCloseable {

    private static final System.Logger LOGGER = System.getLogger(Reactions.class.getName());

    /**
     * Which reactions are on (all by default) and the election timeout they use.
     *
     * @param onDupmaster     DUPMASTER (the core has stepped the master down): elect
     * @param onHoldElection  HOLDELECTION: elect
     * @param onElected       NEWMASTER naming this site: start(MASTER)
     * @param onMasterLost    no master heard for the master timeout: elect
     * @param electionTimeout each election phase's wait
     */
    public record Options(boolean onDupmaster, boolean onHoldElection, boolean onElected, boolean onMasterLost,
                          Duration electionTimeout) {
        public static Options defaults(Duration electionTimeout) {
            return new Options(true, true, true, true, electionTimeout);
        }
    }

    private final Replication replication;
    private final Scheduler scheduler;
    private final Options options;
    private final byte[] cdata;
    private final AtomicBoolean electing = new AtomicBoolean();
    private final SplittableRandom random;
    private volatile boolean closed;
    private Scheduler.Cancellable watch;

    public Reactions(Replication replication, Scheduler scheduler, Options options, byte[] cdata) {
        this.replication = replication;
        this.scheduler = scheduler;
        this.options = options;
        this.cdata = cdata.clone();
        this.random = new SplittableRandom(scheduler.nanoTime() ^ replication.localId());
        replication.addListener(wins);
    }

    /**
     * Wins no NEWMASTER result reports: those of elections the core began itself (a master transfer's target) or
     * that a timer decided. Without this, such a winner never starts and its voters wait out phase 2.
     */
    private final Replication.Listener wins = new Replication.Listener() {
        @Override
        public void electionWon(int electionGeneration) {
            if (options.onElected() && !closed) {
                later(() -> {
                    if (replication.role() != RepRole.MASTER) {
                        becomeMaster();
                    }
                });
            }
        }
    };

    /** Starts watching for a lost master. */
    public synchronized void start() {
        if (options.onMasterLost() && watch == null && !closed) {
            scheduleWatch();
        }
    }

    private synchronized void scheduleWatch() {
        if (closed) {
            return;
        }
        // checked often enough that noticing adds little to the master timeout itself
        long period = Math.max(Math.min(replication.config().masterTimeout().toNanos() / 10, 50_000_000L), 1_000_000);
        watch = scheduler.schedule(() -> {
            if (replication.role() == RepRole.CLIENT && !replication.masterAlive()) {
                elect("no master heard for " + replication.config().masterTimeout().toMillis() + " ms");
            }
            scheduleWatch();
        }, period);
    }

    /**
     * Reacts to one result of {@link Replication#processMessage}: queues the reaction on the scheduler and returns
     * (it never calls into replication on the caller's thread).
     */
    public void onResult(RepResult result) {
        if (closed) {
            return;
        }
        switch (result.status()) {
            case DUPMASTER -> {
                if (options.onDupmaster()) {
                    later(this::afterDupmaster);
                }
            }
            case HOLDELECTION -> {
                if (options.onHoldElection()) {
                    later(() -> elect("HOLDELECTION"));
                }
            }
            case NEWMASTER -> {
                if (options.onElected() && result.envId() == replication.localId()) {
                    later(() -> {
                        if (replication.role() != RepRole.MASTER) {
                            becomeMaster();
                        }
                    });
                }
            }
            default -> { }
        }
    }

    private void later(Runnable reaction) {
        scheduler.execute(() -> {
            if (!closed) {
                reaction.run();
            }
        });
    }

    /**
     * The reference's reaction is start(CLIENT), then elect. The core already stepped this master down when it
     * returned DUPMASTER (both masters do), which is that start(CLIENT); what is left is the election. A site that
     * has since become master again, or follows a master already, is left alone (elect answers with that master).
     */
    private void afterDupmaster() {
        LOGGER.log(System.Logger.Level.WARNING, "site {0}: another master existed; it stepped down and elects",
                replication.localId());
        elect("DUPMASTER");
    }

    private void becomeMaster() {
        try {
            replication.start(RepRole.MASTER, cdata);
        } catch (IllegalStateException e) {
            // the win is stale (a newer election began meanwhile): the next election decides
            LOGGER.log(System.Logger.Level.INFO, "site {0}: not starting as master: {1}",
                    replication.localId(), e.getMessage());
        }
    }

    /**
     * Holds an election unless one is running; a failure is retried after a random back-off. An election the core
     * runs without us (a transfer's, a re-election, one joined on a vote) is left alone: calling elect while it
     * waits for its winner would start a newer one and void that win, which is most likely just starting. Its
     * win comes through {@link #wins}; if it fails, the watch finds no master and elects.
     */
    private void elect(String why) {
        if (closed || replication.role() != RepRole.CLIENT || replication.electionInProgress()
                || !electing.compareAndSet(false, true)) {
            return;
        }
        LOGGER.log(System.Logger.Level.DEBUG, "site {0}: election ({1})", replication.localId(), why);
        replication.electAsync(0, 0, options.electionTimeout()).whenComplete((winner, error) -> later(() -> {
            electing.set(false);
            if (closed) {
                return;
            }
            if (error == null) {
                if (winner == replication.localId() && replication.role() != RepRole.MASTER
                        && options.onElected()) {
                    becomeMaster();
                }
                return;
            }
            // split votes or too few sites: try again after a random pause, if there is still no master
            long pause = options.electionTimeout().toNanos() / 2
                    + (long) (random.nextDouble() * options.electionTimeout().toNanos());
            scheduler.schedule(() -> {
                if (replication.role() == RepRole.CLIENT && !replication.masterAlive()) {
                    elect("retry after: " + error.getMessage());
                }
            }, pause);
        }));
    }

    @Override
    public synchronized void close() {
        closed = true;
        replication.removeListener(wins);
        if (watch != null) {
            watch.cancel();
        }
    }
}
