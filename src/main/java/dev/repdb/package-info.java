/**
 * The public API: {@link dev.repdb.Environment}, {@link dev.repdb.EnvironmentConfig},
 * {@link dev.repdb.Database}, {@link dev.repdb.Transaction}, {@link dev.repdb.CommitToken} and the exceptions
 * under {@link dev.repdb.RepdbException}.
 *
 * <p>Layer: the root sits on {@code rep}, {@code store} and {@code log}. Its leaf types ({@code RepdbException}
 * and its subclasses, {@code Durability}, {@code AckPolicy}, {@code CommitToken}) have no dependencies and may be
 * used by the layers below; nothing else here may be. Checked by {@code LayeringTest}.
 */
package dev.repdb;
