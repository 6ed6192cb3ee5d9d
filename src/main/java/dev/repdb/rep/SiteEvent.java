package dev.repdb.rep;

import dev.repdb.CommitToken;
import dev.repdb.log.Lsn;

/**
 * What a transition of the site state machine tells the world besides its messages, in the order it happened. One
 * channel: the {@link RepResult} of a {@code processMessage} call is the fold of that call's result events
 * ({@link Outcome}); the {@link Replication.Listener} callbacks are its notifications; completions finish the
 * futures of API calls. The driver derives all three from one list, after the lock is released.
 */
sealed interface SiteEvent {

    /** Part of the message's result (never delivered to listeners). */
    sealed interface ResultEvent extends SiteEvent {
    }

    /** A status with nothing more to say (IGNORE, HOLDELECTION, DUPMASTER, OUTDATED). */
    record Status(RepStatus status) implements ResultEvent {
    }

    /** NEWMASTER: {@code master} is the master (also when it is this site), with its cdata. */
    record NewMaster(int master, byte[] cdata) implements ResultEvent {
    }

    /** NEWSITE: a site announced itself, with its cdata. */
    record NewSite(byte[] cdata) implements ResultEvent {
    }

    /** ISPERM: permanent records up to {@code lsn} are durable here. */
    record IsPerm(Lsn lsn) implements ResultEvent {
    }

    /** NOTPERM: the permanent record {@code lsn} is not (yet) durable here. */
    record NotPerm(Lsn lsn) implements ResultEvent {
    }

    /** STARTUPDONE: this client caught up with its master's live stream. */
    record StartupDone() implements ResultEvent {
    }

    /** A notification for the application's listeners. */
    sealed interface Notification extends SiteEvent {
        void deliver(Replication.Listener listener);
    }

    record RolledBack(Lsn from, Lsn to, int transactions) implements Notification {
        @Override
        public void deliver(Replication.Listener listener) {
            listener.rolledBack(from, to, transactions);
        }
    }

    record PermFailed(CommitToken token, int acks, int required) implements Notification {
        @Override
        public void deliver(Replication.Listener listener) {
            listener.permFailed(token, acks, required);
        }
    }

    record RoleChanged(RepRole from, RepRole to, int generation) implements Notification {
        @Override
        public void deliver(Replication.Listener listener) {
            listener.roleChanged(from, to, generation);
        }
    }

    record Elected(int generation) implements Notification {
        @Override
        public void deliver(Replication.Listener listener) {
            listener.elected(generation);
        }
    }

    record ElectionWon(int electionGeneration) implements Notification {
        @Override
        public void deliver(Replication.Listener listener) {
            listener.electionWon(electionGeneration);
        }
    }

    /** Completes a future an API call returned (an election's winner, a transfer, a commit's acknowledgements). */
    record Completion(Runnable action) implements SiteEvent {
    }
}
