/**
 * The wire format of replication messages: the decoded {@link dev.repdb.rep.wire.Message}, its types, the control
 * header codec, the structured payloads and the reassembly of fragments. Pure functions and values; no state
 * machine, no I/O.
 *
 * <p>Layer: below {@code dev.repdb.rep} (which uses it), above {@code store} and {@code log}. Imports only the JDK,
 * {@code dev.repdb.log}, {@code dev.repdb.store} (snapshot items), {@code dev.repdb.rep.auth} (the bounds on
 * fragments) and repdb's root exception type; never
 * {@code dev.repdb.rep}, {@code jakarta.*}, MicroProfile or Artemis.
 */
package dev.repdb.rep.wire;
