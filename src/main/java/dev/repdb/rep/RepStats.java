package dev.repdb.rep;

import dev.repdb.log.Lsn;
import java.util.Map;

/**
 * A snapshot of a site's replication state and counters, in the spirit of Berkeley DB's {@code rep_stat}.
 *
 * @param role              MASTER, CLIENT, or null before {@code start}
 * @param envId             this site's id
 * @param masterId          the master this site follows (itself on a master), or {@link Transport#EID_INVALID}
 * @param generation        the current generation
 * @param electionGeneration the next election this site may take part in
 * @param syncState         where a client is in its synchronization (NONE, DELAYED, VERIFY, INIT, CATCHUP, READY,
 *                          OUTDATED)
 * @param startupDone       whether this client has caught up with the master's live stream
 * @param appliedLsn        the last record applied (the end of the log)
 * @param waitingLsn        the first record parked out of order, or ZERO
 * @param durablePermLsn    the highest LSN this client holds durably and has acknowledged or will
 * @param masterEndLsn      the master's last LSN as last heard (client) or its own (master)
 * @param counters          named counters: msgs_processed, msgs_invalid, msgs_badgen, msgs_sent, msgs_send_failures,
 *                          log_records_applied, log_queued, log_queued_max, log_duplicated, log_requested,
 *                          rerequests, client_svc_req, client_svc_miss, master_changes, dupmasters, verifies,
 *                          rollbacks, rolled_back_txns, outdated, inits, init_items, nthrottles, bulk_records,
 *                          bulk_transfers, acks_sent, acks_received, perm_failed, heartbeats_sent, newsites;
 *                          why messages were dropped: msgs_unauthenticated (no valid MAC), msgs_replayed,
 *                          msgs_not_fresh (sent before this site's current run), msgs_sender_limit, msgs_oversized,
 *                          fragments_dropped, log_queue_full (see {@code docs/security.md})
 * @param initItemsReceived automatic initialization progress: snapshot items installed so far
 * @param acked             on a master, the highest LSN each client acknowledged in this generation
 */
public record RepStats(RepRole role, int envId, int masterId, int generation, int electionGeneration,
                       String syncState, boolean startupDone, Lsn appliedLsn, Lsn waitingLsn, Lsn durablePermLsn,
                       Lsn masterEndLsn, Map<String, Long> counters, long initItemsReceived,
                       Map<Integer, Lsn> acked) {

    /** A counter by name, 0 if it never moved. */
    public long counter(String name) {
        return counters.getOrDefault(name, 0L);
    }
}
