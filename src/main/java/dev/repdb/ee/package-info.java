/**
 * The Jakarta EE / MicroProfile module: the site singleton, the MDBs, CDI events and producers, MicroProfile Config
 * binding and Health checks, the JAX-RS admin resource. It only translates and schedules; protocol decisions are
 * made in {@code dev.repdb.rep}.
 *
 * <p>Layer: the top. Imports {@code dev.repdb.jms}, {@code dev.repdb.rep}, {@code dev.repdb.rep.wire},
 * {@code dev.repdb.rep.auth}, {@code dev.repdb.store}, {@code dev.repdb.log}, the root API, {@code jakarta.*},
 * MicroProfile, JNDI ({@code javax.naming}) and the OpenTelemetry API (metrics, only in {@code OtelInstruments},
 * loaded when the server offers it); no provider types (no Artemis). Checked by {@code LayeringTest}.
 */
package dev.repdb.ee;
