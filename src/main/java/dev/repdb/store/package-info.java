/**
 * The local database engine: log record contents (redo and undo images), the databases materialized in an H2
 * MVStore, snapshot reads, commits, checkpoints, recovery, rollback of a log tail, and snapshot transfer.
 *
 * <p>Layer: above {@code log}. Imports {@code dev.repdb.log}, H2's MVStore and repdb's root leaf types; nothing
 * from {@code jakarta.*}, MicroProfile or Artemis.
 */
package dev.repdb.store;
