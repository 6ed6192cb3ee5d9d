/**
 * Guards on what reaches the replication protocol from the transport: message authentication (an HMAC-SHA256
 * under a group secret, with rotation), replay protection (per-sender incarnations, per-message sequence numbers
 * in a sliding window, and freshness against this site's own restarts), and bounds on what one message or one
 * sender may cost (sizes, fragments, held memory).
 *
 * <p>Layer: below {@code dev.repdb.rep} (whose {@code Inbound} verifies and admits, and whose site seals what it
 * sends) and {@code dev.repdb.rep.wire} (whose reassembly holds fragments within {@link InboundBounds}). Imports
 * only the JDK ({@code javax.crypto}), {@code dev.repdb.log}'s storage seam and repdb's root exception type;
 * nothing from {@code dev.repdb.rep}, {@code jakarta.*}, MicroProfile or Artemis. See {@code docs/security.md} for
 * the threat model.
 */
package dev.repdb.rep.auth;
