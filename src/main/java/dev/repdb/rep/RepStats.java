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
 *                          fragments_dropped, log_queue_full (see {@code docs/security.md}); log retention:
 *                          log_segments_removed
 * @param initItemsReceived automatic initialization progress: snapshot items installed so far
 * @param acked             on a master, the highest LSN each client acknowledged in this generation
 * @param lagBytes          on a client, the bytes from its last applied record to the master's last record as heard
 *                          (across segments estimated from the segment size, since the client lacks those segments);
 *                          0 on a master
 * @param lagSeconds        on a client, seconds since it last had everything its master had (0: caught up now; -1:
 *                          no master yet); 0 on a master
 * @param clientLag         on a master, each client's lag behind its end of log in bytes (across segments), records
 *                          and seconds, from the client's acknowledged LSN (this generation's, else its last known
 *                          one); empty on a client
 * @param init              on a client, the progress of its current or last initialization from a snapshot in this
 *                          run (items and bytes of the totals, rate, ETA), or null if none
 * @param firstLsn          the first record this site's log still holds (ZERO: empty); log retention moves it
 * @param logBytes          the bytes of log records on disk (what retention bounds)
 */
public record RepStats(RepRole role, int envId, int masterId, int generation, int electionGeneration,
                       String syncState, boolean startupDone, Lsn appliedLsn, Lsn waitingLsn, Lsn durablePermLsn,
                       Lsn masterEndLsn, Map<String, Long> counters, long initItemsReceived,
                       Map<Integer, Lsn> acked, long lagBytes, double lagSeconds, Map<Integer, ClientLag> clientLag,
                       InitProgress init, Lsn firstLsn, long logBytes) {

    /** A counter by name, 0 if it never moved. */
    public long counter(String name) {
        return counters.getOrDefault(name, 0L);
    }
}
