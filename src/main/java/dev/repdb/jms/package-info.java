/**
 * The JMS transport layer: repdb's {@link dev.repdb.rep.Transport} over Jakarta Messaging 3.1, the mapping between
 * a {@code jakarta.jms.BytesMessage} and {@code (control, rec, sender)}, and a plain Java SE listener.
 *
 * <p><b>Layer.</b> {@code ee -> jms -> rep -> store -> log}. This package may import only {@code jakarta.jms},
 * {@code dev.repdb.rep}, {@code dev.repdb.log} (and {@code dev.repdb.RepdbException} through them) besides the JDK.
 * It holds no container types (no EJB, CDI, JNDI or concurrency-utility types) and no provider types (no Artemis):
 * a container hands in a {@code ConnectionFactory} and a managed {@code ThreadFactory}. No protocol decision is made
 * here; the classes only translate and move bytes. Loss, duplication and reordering are repaired by the protocol.
 *
 * <p><b>Broker layout</b> ({@link dev.repdb.jms.JmsNames}): one queue per site, {@code <group>.site.<envId>}, for
 * directed messages, and one topic, {@code <group>.broadcast}, for broadcasts.
 *
 * <p><b>Message format</b> ({@link dev.repdb.jms.JmsMessageCodec}): a {@code BytesMessage} whose body is a 4-byte
 * big-endian control length, the control bytes, then the rec bytes (the rest of the body); int properties
 * {@code repdbSender} and {@code repdbTarget} (-1 for a broadcast), and optionally {@code repdbLsnFile} (int) and
 * {@code repdbLsnOffset} (long).
 *
 * <p><b>Subscription choice.</b> The SE {@link dev.repdb.jms.JmsReceiver} subscribes to the broadcast topic with a
 * <em>non-durable</em> subscription and the selector {@code repdbSender <> <ownId>}: it leaves no broker state behind
 * a retired site, collects nothing while the site is down, and is simply recreated when the receiver reconnects after
 * a broker restart (a durable subscription on a non-persistent broker would silently go deaf). What a site misses
 * while disconnected is repaired by the protocol.
 *
 * <p><b>Connection factories.</b> Each {@link dev.repdb.jms.JmsTransport} and {@link dev.repdb.jms.JmsReceiver}
 * opens its own connection from the factory it is given. Some providers (Artemis's plain client among them) serialize
 * connection attempts per factory object, so several sites in one JVM should each get their own factory, or a broker
 * outage makes them wait for each other's failed attempts.
 *
 * <p><b>Logging</b> only through {@link java.lang.System.Logger}; message payloads are never logged.
 */
package dev.repdb.jms;
