package dev.repdb.jms;

import jakarta.jms.ConnectionFactory;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;

/** One site of a test group: its transport, its receiver and what it received. */
final class TestSite implements AutoCloseable {
    static final Duration FAST_BACKOFF_INITIAL = Duration.ofMillis(50);
    static final Duration FAST_BACKOFF_MAX = Duration.ofMillis(500);

    final int id;
    final JmsTransport transport;
    final JmsReceiver receiver;
    final RecordingSink sink = new RecordingSink();

    TestSite(ConnectionFactory factory, JmsNames names, int id, JmsTransport.Options options,
             ThreadFactory senderThreads) {
        this.id = id;
        this.transport = new JmsTransport(factory, names, id, options, senderThreads);
        this.receiver = new JmsReceiver(factory, names, id, sink,
                new JmsReceiver.Options(FAST_BACKOFF_INITIAL, FAST_BACKOFF_MAX, JmsMessageCodec.DEFAULT_MAX_BODY_BYTES),
                new DaemonThreads("test-receiver-" + id));
    }

    TestSite(ConnectionFactory factory, JmsNames names, int id) {
        this(factory, names, id, fastOptions(), new DaemonThreads("test-sender-" + id));
    }

    static JmsTransport.Options fastOptions() {
        return JmsTransport.Options.defaults().withReconnectDelays(FAST_BACKOFF_INITIAL, FAST_BACKOFF_MAX);
    }

    /** Starts receiver and transport and waits until the receiver is subscribed. */
    TestSite start() throws InterruptedException {
        receiver.start();
        transport.start();
        Await.until("site " + id + " is subscribed and connected", Duration.ofSeconds(10),
                () -> receiver.isConnected() && transport.isConnected());
        return this;
    }

    InboundListener counters() {
        return receiver.listener();
    }

    @Override
    public void close() {
        transport.close();
        receiver.close();
    }
}
