package dev.repdb.rep;

import dev.repdb.log.Lsn;

/**
 * The fold of the result events ({@link SiteEvent.ResultEvent}) of one message, reduced to one {@link RepResult}
 * by precedence. ISPERM keeps the largest LSN; NOTPERM the first. Not thread-safe: one per call.
 */
final class Outcome {

    private final int sender;
    private RepStatus status = RepStatus.PROCESSED;
    private int envId;
    private Lsn isPerm = Lsn.ZERO;
    private Lsn notPerm = Lsn.ZERO;
    private byte[] cdata = new byte[0];
    private boolean startupDone;

    Outcome(int sender) {
        this.sender = sender;
        this.envId = sender;
    }

    /** Folds one result event in. */
    void apply(SiteEvent.ResultEvent event) {
        if (event instanceof SiteEvent.Status s) {
            add(s.status());
        } else if (event instanceof SiteEvent.NewMaster m) {
            newMaster(m.master(), m.cdata());
        } else if (event instanceof SiteEvent.NewSite n) {
            newSite(n.cdata());
        } else if (event instanceof SiteEvent.IsPerm p) {
            isPerm(p.lsn());
        } else if (event instanceof SiteEvent.NotPerm p) {
            notPerm(p.lsn());
        } else if (event instanceof SiteEvent.StartupDone) {
            startupDone();
        }
    }

    void add(RepStatus candidate) {
        if (candidate.outranks(status)) {
            status = candidate;
        }
    }

    void newMaster(int masterId, byte[] masterCdata) {
        add(RepStatus.NEWMASTER);
        envId = masterId;
        cdata = masterCdata;
    }

    void newSite(byte[] siteCdata) {
        add(RepStatus.NEWSITE);
        if (status == RepStatus.NEWSITE) {
            cdata = siteCdata;
        }
    }

    void isPerm(Lsn lsn) {
        add(RepStatus.ISPERM);
        if (lsn.isAfter(isPerm)) {
            isPerm = lsn;
        }
    }

    void notPerm(Lsn lsn) {
        add(RepStatus.NOTPERM);
        if (notPerm.isZero()) {
            notPerm = lsn;
        }
    }

    void startupDone() {
        startupDone = true;
        add(RepStatus.STARTUPDONE);
    }

    RepStatus status() {
        return status;
    }

    RepResult result(int generation) {
        Lsn lsn = switch (status) {
            case ISPERM -> isPerm;
            case NOTPERM -> notPerm;
            default -> Lsn.ZERO;
        };
        int id = status == RepStatus.NEWMASTER ? envId : sender;
        byte[] data = status == RepStatus.NEWMASTER || status == RepStatus.NEWSITE ? cdata : new byte[0];
        return new RepResult(status, id, lsn, data, startupDone, generation);
    }
}
