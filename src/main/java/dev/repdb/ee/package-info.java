/**
 * The Jakarta EE / MicroProfile module: the site singleton, the MDBs, CDI events and producers, MicroProfile Config
 * binding and Health checks, the JAX-RS admin resource. It only translates and schedules; protocol decisions are
 * made in {@code dev.repdb.rep}.
 *
 * <p>Layer: the top. Imports {@code dev.repdb.jms}, {@code dev.repdb.rep}, {@code dev.repdb.rep.wire},
 * {@code dev.repdb.store}, {@code dev.repdb.log}, the root API, {@code jakarta.*}, MicroProfile and JNDI
 * ({@code javax.naming}); no provider types (no Artemis). Checked by {@code LayeringTest}.
 */
package dev.repdb.ee;
