/**
 * The base replication API as a protocol state machine (for now: its {@link dev.repdb.rep.Transport} contract).
 *
 * <p>Layer: above {@code store}. Imports {@code dev.repdb.store}, {@code dev.repdb.log} and repdb's root leaf
 * types; nothing from {@code jakarta.*}, MicroProfile or Artemis.
 */
package dev.repdb.rep;
