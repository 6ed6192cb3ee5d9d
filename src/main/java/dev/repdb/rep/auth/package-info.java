/**
 * Guards on what reaches the replication protocol from the transport: message authentication (an HMAC-SHA256
 * under a group secret, with rotation), replay protection (per-sender incarnations, per-message sequence numbers
 * in a sliding window, and freshness against this site's own restarts), and bounds on what one message or one
 * sender may cost (sizes, fragments, held memory).
 *
 * <p>Layer: inside {@code rep}, below the protocol state machine, which calls it through small hooks (seal on the
 * way out, verify and admit on the way in). Imports only the JDK ({@code javax.crypto}) and {@code dev.repdb.log}'s
 * storage seam; nothing from {@code jakarta.*}, MicroProfile or Artemis. See {@code docs/security.md} for the
 * threat model.
 */
package dev.repdb.rep.auth;
