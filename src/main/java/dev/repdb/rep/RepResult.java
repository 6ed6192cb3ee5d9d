package dev.repdb.rep;

import dev.repdb.log.Lsn;
import java.util.Arrays;

/**
 * The answer of {@link Replication#processMessage}: the primary status, and the values that go with it.
 *
 * @param status      the outcome of highest precedence (see {@link RepStatus})
 * @param envId       for NEWMASTER, the master's id (also when this site won); otherwise the sender
 * @param lsn         for ISPERM, the largest LSN of the permanent records now durable; for NOTPERM, the LSN of
 *                    the permanent record that is not durable yet; otherwise {@link Lsn#ZERO}
 * @param cdata       for NEWSITE, the new site's cdata; for NEWMASTER, the master's; otherwise empty
 * @param startupDone true on the call where this client finished its startup synchronization
 * @param generation  this site's generation after the call
 */
public record RepResult(RepStatus status, int envId, Lsn lsn, byte[] cdata, boolean startupDone, int generation) {

    public RepResult {
        cdata = cdata == null ? new byte[0] : cdata.clone();
    }

    @Override
    public byte[] cdata() {
        return cdata.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RepResult r && status == r.status && envId == r.envId && lsn.equals(r.lsn)
                && Arrays.equals(cdata, r.cdata) && startupDone == r.startupDone && generation == r.generation;
    }

    @Override
    public int hashCode() {
        return status.hashCode() * 31 + lsn.hashCode();
    }

    @Override
    public String toString() {
        return status + (envId >= 0 ? " env=" + envId : "") + (lsn.isZero() ? "" : " lsn=" + lsn)
                + (cdata.length > 0 ? " cdata=" + new String(cdata, java.nio.charset.StandardCharsets.UTF_8) : "")
                + (startupDone ? " startupDone" : "") + " gen=" + generation;
    }
}
