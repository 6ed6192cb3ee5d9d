/**
 * The base replication API as a protocol state machine. {@link dev.repdb.rep.Replication} is the thin driver: it
 * takes the replication lock, hands each input (a message, an API call, a timer tick, a finished fsync) to the site
 * state machine, then drains its outbox ({@code Effects}): timers, messages to the {@link dev.repdb.rep.Transport}
 * with no lock held, and events (from which both the {@link dev.repdb.rep.RepResult} and the listener callbacks are
 * derived). The state is split by role and phase, each part owning its fields: {@code Dispatch} (the generation
 * filter and one handler per message type), {@code Roles} (becomeMaster, becomeClient), {@code Elections},
 * {@code MasterTransfer}, {@code Shipping} and {@code Serving} (a master's stream and answers),
 * {@code Acknowledgements}, {@code Leases}, {@code ClientSync} (new master, verify, rollback, initialization),
 * {@code ClientApply} (apply, park, durability, ISPERM/ACK), {@code Requests} (re-requests and back-off),
 * {@code Ticks}, {@code Archiving}. {@link dev.repdb.rep.Reactions} is the application's side on top of the base API.
 *
 * <p>Layer: above {@code rep.wire}, {@code store} and {@code log}. Imports {@code dev.repdb.rep.wire},
 * {@code dev.repdb.store}, {@code dev.repdb.log} and repdb's root leaf types (exceptions, {@code Durability},
 * {@code AckPolicy}, {@code CommitToken}); nothing from {@code jakarta.*}, MicroProfile or Artemis (checked by
 * {@code LayeringTest}).
 */
package dev.repdb.rep;
