package dev.repdb.rep;

/** Where a client is in its synchronization with its master. */
enum SyncState { NONE, DELAYED, VERIFY, INIT, CATCHUP, READY, OUTDATED }
