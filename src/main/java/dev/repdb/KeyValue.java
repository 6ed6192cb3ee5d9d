package dev.repdb;

/** One entry of a database, as returned by a scan. The arrays are the caller's. */
public record KeyValue(byte[] key, byte[] value) {
}
