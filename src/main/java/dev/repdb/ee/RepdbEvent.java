package dev.repdb.ee;

import dev.repdb.rep.RepRole;

/**
 * What a site tells applications, as CDI events: one type per {@link dev.repdb.rep.RepStatus} plus {@link Elected},
 * {@link PermFailed}, {@link RoleChanged} and {@link RolledBack}. Observe one type
 * ({@code @Observes RepdbEvent.NewMaster e}) or all of them ({@code @Observes RepdbEvent e}); synchronous and
 * asynchronous ({@code @ObservesAsync}) observers both work.
 *
 * <p>Events are fired by one dispatcher thread in the order they happened, once per occurrence: every synchronous
 * observer of an event runs before the asynchronous ones, and those complete before the next event is fired. Within
 * one processed message, NEWMASTER comes before STARTUPDONE. {@link #sequence()} numbers a site's events from 1.
 * {@link IsPerm}, {@link NotPerm}, {@link Ignored} and {@link Processed} are per-record outcomes, fired only with
 * {@code repdb.events.per-record=true}.
 *
 * <p>LSNs are given as {@code file/offset} text; {@code cdata} arrays are copies the observer may keep.
 */
public sealed interface RepdbEvent {

    /** This site's event number, from 1, in firing order. */
    long sequence();

    /** The site that fired the event. */
    int siteId();

    /** This site's generation after the occurrence. */
    int generation();

    /** NEWMASTER: {@code masterId} is master (possibly this site); {@code cdata} is the master's. */
    record NewMaster(long sequence, int siteId, int generation, int masterId, byte[] cdata) implements RepdbEvent {
    }

    /** DUPMASTER: this master met another master ({@code otherSite}) in a newer generation. */
    record DupMaster(long sequence, int siteId, int generation, int otherSite) implements RepdbEvent {
    }

    /** HOLDELECTION: {@code fromSite} called an election. */
    record HoldElection(long sequence, int siteId, int generation, int fromSite) implements RepdbEvent {
    }

    /** OUTDATED: this client cannot synchronize with its master without re-initialization. */
    record Outdated(long sequence, int siteId, int generation, int masterId) implements RepdbEvent {
    }

    /** NEWSITE: a site not heard before joined, with its {@code cdata}. */
    record NewSite(long sequence, int siteId, int generation, int newSite, byte[] cdata) implements RepdbEvent {
    }

    /** STARTUPDONE: this client caught up with {@code masterId}'s live stream at {@code lsn}. */
    record StartupDone(long sequence, int siteId, int generation, int masterId, String lsn) implements RepdbEvent {
    }

    /** ISPERM (per-record): the permanent records up to {@code lsn} are durable here. */
    record IsPerm(long sequence, int siteId, int generation, String lsn) implements RepdbEvent {
    }

    /** NOTPERM (per-record): the permanent record at {@code lsn} is not durable yet. */
    record NotPerm(long sequence, int siteId, int generation, String lsn) implements RepdbEvent {
    }

    /** IGNORE (per-record): a message from {@code fromSite} was ignored (old, duplicate or not for this state). */
    record Ignored(long sequence, int siteId, int generation, int fromSite) implements RepdbEvent {
    }

    /** PROCESSED (per-record): a message from {@code fromSite} was processed with nothing to report. */
    record Processed(long sequence, int siteId, int generation, int fromSite) implements RepdbEvent {
    }

    /** ELECTED: this site won an election and is master in {@code generation}. */
    record Elected(long sequence, int siteId, int generation) implements RepdbEvent {
    }

    /** PERM_FAILED: a commit ({@code commitToken}) got {@code acks} of the {@code required} acknowledgements. */
    record PermFailed(long sequence, int siteId, int generation, String commitToken, int acks, int required)
            implements RepdbEvent {
    }

    /** ROLE_CHANGED: this site went from {@code from} (null before its first start) to {@code to}. */
    record RoleChanged(long sequence, int siteId, int generation, RepRole from, RepRole to) implements RepdbEvent {
    }

    /** This client rolled back {@code transactions} commits from {@code from} down to {@code to}. */
    record RolledBack(long sequence, int siteId, int generation, String from, String to, int transactions)
            implements RepdbEvent {
    }
}
