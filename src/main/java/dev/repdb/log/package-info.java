/**
 * The write-ahead log: segment files of framed, checksummed records addressed by {@link dev.repdb.log.Lsn},
 * group commit, torn-tail recovery, truncation and archiving, and the {@link dev.repdb.log.Storage} seam through
 * which its files are written.
 *
 * <p>Layer: the bottom. Imports only the JDK and repdb's root leaf types (exceptions); nothing from
 * {@code jakarta.*}, MicroProfile or Artemis.
 */
package dev.repdb.log;
