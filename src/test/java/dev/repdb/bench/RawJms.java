package dev.repdb.bench;

import dev.repdb.jms.JmsMessageCodec;
import jakarta.jms.BytesMessage;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSProducer;
import jakarta.jms.Message;
import jakarta.jms.Queue;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The raw JMS references of {@link JmsBench}, through the same broker as the group, with the client settings of
 * repdb's sender ({@code dev.repdb.jms.SenderLoop}: auto-acknowledge, non-persistent, 60 s time-to-live, message ids
 * off) and messages like repdb's: a {@code BytesMessage} of the given body size, carrying the same four properties as
 * a replication message ({@code repdbSender}, {@code repdbTarget}, the LSN pair). Every consumer reads the whole
 * body. Producer and consumer use separate connections, as a site's sender and receiver do.
 */
final class RawJms {
    private static final long TTL_MILLIS = Duration.ofSeconds(60).toMillis();
    /** The sequence number of a request rides in the LSN offset property, so no property is added. */
    private static final String SEQ = JmsMessageCodec.LSN_OFFSET;

    /** What a throughput run measured. */
    record Throughput(int bodyBytes, long messages, double seconds, long window, CpuMeter.Usage cpu) {
        double perSecond() {
            return messages / seconds;
        }
    }

    /** What a request/reply run measured. */
    record RoundTrips(int bodyBytes, Samples.Summary latency, CpuMeter.Usage cpu) {
    }

    private RawJms() {
    }

    private static BytesMessage message(JMSContext context, byte[] body, long seq) throws JMSException {
        BytesMessage message = context.createBytesMessage();
        message.setIntProperty(JmsMessageCodec.SENDER, 1);
        message.setIntProperty(JmsMessageCodec.TARGET, 2);
        message.setIntProperty(JmsMessageCodec.LSN_FILE, 1);
        message.setLongProperty(SEQ, seq);
        message.writeBytes(body);
        return message;
    }

    private static JMSProducer producer(JMSContext context) {
        return context.createProducer().setDeliveryMode(DeliveryMode.NON_PERSISTENT).setTimeToLive(TTL_MILLIS)
                .setDisableMessageID(true);
    }

    private static byte[] readBody(Message message) throws JMSException {
        BytesMessage bytes = (BytesMessage) message;
        byte[] body = new byte[(int) bytes.getBodyLength()];
        bytes.readBytes(body);
        return body;
    }

    /**
     * One producer thread sends as fast as it can to one queue, one consumer (a message listener) takes them; the
     * producer stays at most {@code window} messages and 8 MiB ahead, so the queue holds a steady backlog (well below
     * the address's 32 MB limit, past which it would drop) and the rate measured is the consumer's.
     */
    static Throughput throughput(BenchBroker broker, CpuMeter meter, int bodyBytes, double warmupSeconds,
                                 double measureSeconds, int window) throws Exception {
        AtomicLong received = new AtomicLong();
        AtomicReference<Throwable> error = new AtomicReference<>();
        try (JMSContext consumerContext = broker.connectionFactory().createContext(JMSContext.AUTO_ACKNOWLEDGE);
             JMSContext producerContext = broker.connectionFactory().createContext(JMSContext.AUTO_ACKNOWLEDGE)) {
            Queue queue = consumerContext.createQueue(BenchBroker.RAW_REQUESTS);
            JMSConsumer consumer = consumerContext.createConsumer(queue);
            consumer.setMessageListener(m -> {
                try {
                    readBody(m);
                    received.incrementAndGet();
                } catch (JMSException | RuntimeException e) {
                    error.compareAndSet(null, e);
                }
            });
            consumerContext.start();
            byte[] body = new byte[bodyBytes];
            JMSProducer producer = producer(producerContext);
            Queue target = producerContext.createQueue(BenchBroker.RAW_REQUESTS);
            long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            long measureEnd = warmEnd + (long) (measureSeconds * 1e9);
            // at most `window` messages, and at most 8 MiB, in flight: the address drops past 32 MB
            long inFlight = Math.max(1, Math.min(window, (8L << 20) / Math.max(1, bodyBytes)));
            long sent = 0;
            long r0 = -1;
            long t0 = 0;
            CpuMeter.Mark m0 = null;
            for (long now = System.nanoTime(); now < measureEnd && error.get() == null; now = System.nanoTime()) {
                if (r0 < 0 && now >= warmEnd) {
                    r0 = received.get();
                    t0 = now;
                    m0 = meter.mark();
                }
                if (sent - received.get() >= inFlight) {
                    LockSupport.parkNanos(20_000);
                    continue;
                }
                producer.send(target, message(producerContext, body, sent++));
            }
            long r1 = received.get();
            long t1 = System.nanoTime();
            CpuMeter.Mark m1 = meter.mark();
            if (error.get() != null) {
                throw new IllegalStateException("raw consumer failed", error.get());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (received.get() < sent && System.nanoTime() < deadline) { // empty the queue for the next run
                LockSupport.parkNanos(1_000_000);
            }
            // the contexts close the consumer: closing it here would race the listener's acknowledgement
            return new Throughput(bodyBytes, r1 - r0, (t1 - t0) / 1e9, inFlight, CpuMeter.between(m0, m1));
        }
    }

    /**
     * Request/reply: one requester thread sends a request to one queue and waits (a synchronous receive) for the
     * reply on another; a responder (a message listener on its own connection) reads each request and sends a reply
     * of the same size. Every round trip of the measured window is a sample.
     */
    static RoundTrips roundTrips(BenchBroker broker, CpuMeter meter, int bodyBytes, double warmupSeconds,
                                 double measureSeconds) throws Exception {
        AtomicReference<Throwable> error = new AtomicReference<>();
        Samples samples = new Samples();
        try (JMSContext responder = broker.connectionFactory().createContext(JMSContext.AUTO_ACKNOWLEDGE);
             JMSContext requester = broker.connectionFactory().createContext(JMSContext.AUTO_ACKNOWLEDGE)) {
            JMSProducer replyProducer = producer(responder);
            Queue replies = responder.createQueue(BenchBroker.RAW_REPLIES);
            responder.createConsumer(responder.createQueue(BenchBroker.RAW_REQUESTS)).setMessageListener(m -> {
                try {
                    byte[] body = readBody(m);
                    replyProducer.send(replies, message(responder, body, m.getLongProperty(SEQ)));
                } catch (JMSException | RuntimeException e) {
                    error.compareAndSet(null, e);
                }
            });
            responder.start();
            JMSProducer requestProducer = producer(requester);
            Queue requests = requester.createQueue(BenchBroker.RAW_REQUESTS);
            JMSConsumer replyConsumer = requester.createConsumer(requester.createQueue(BenchBroker.RAW_REPLIES));
            requester.start();
            byte[] body = new byte[bodyBytes];
            long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            long measureEnd = warmEnd + (long) (measureSeconds * 1e9);
            CpuMeter.Mark m0 = null;
            long seq = 1L << 40; // above any throughput run's numbers, should one of their messages be left over
            for (long start = System.nanoTime(); start < measureEnd; start = System.nanoTime()) {
                long mySeq = seq++;
                requestProducer.send(requests, message(requester, body, mySeq));
                Message reply;
                do { // a reply left over from an earlier timeout is skipped
                    reply = replyConsumer.receive(5_000);
                    if (reply == null || error.get() != null) {
                        throw new IllegalStateException("no reply within 5 s", error.get());
                    }
                } while (reply.getLongProperty(SEQ) != mySeq);
                readBody(reply);
                long end = System.nanoTime();
                if (start >= warmEnd) {
                    if (m0 == null) {
                        m0 = meter.mark();
                    }
                    samples.add(end - start);
                }
            }
            CpuMeter.Mark m1 = meter.mark();
            replyConsumer.close();
            return new RoundTrips(bodyBytes, samples.summary(), CpuMeter.between(m0, m1));
        }
    }
}
