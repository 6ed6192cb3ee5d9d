package dev.repdb.jms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.repdb.log.Lsn;
import jakarta.jms.BytesMessage;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JmsTransport}'s send path on a real embedded Artemis broker: urgent messages overtake a queued backlog and
 * carry the urgent JMS priority, everything else keeps its order and priority; asynchronous persistent sends arrive
 * persistent and are confirmed. Messages are read with a plain consumer on the target's queue, to see their JMS
 * headers.
 */
class JmsTransportSendTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final AtomicInteger GROUPS = new AtomicInteger();
    /** Marks a message urgent when its control part starts with "U" (the core decides this for real messages). */
    private static final Urgency FIRST_BYTE_U = (control, flags) -> control.length > 0 && control[0] == 'U';

    @TempDir
    static Path brokerDir;
    private static EmbeddedBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new EmbeddedBroker(brokerDir);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static JmsNames newGroup() {
        return new JmsNames("repdbtest.send" + GROUPS.incrementAndGet());
    }

    /** A thread factory whose thread waits for the gate before it runs the sender, so a backlog can be built. */
    private static ThreadFactory gated(CountDownLatch gate) {
        return task -> {
            Thread t = new Thread(() -> {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    return;
                }
                task.run();
            }, "gated-sender");
            t.setDaemon(true);
            return t;
        };
    }

    private static List<Message> receive(JMSConsumer consumer, int count) {
        List<Message> got = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Message m = consumer.receive(WAIT.toMillis());
            assertNotNull(m, "message " + i + " of " + count + " did not arrive");
            got.add(m);
        }
        return got;
    }

    private static String control(Message m) throws Exception {
        return new String(new JmsMessageCodec().decode(m).control(), UTF_8);
    }

    @Test
    void urgentMessagesOvertakeTheQueuedBacklogAtTheUrgentPriority() throws Exception {
        JmsNames names = newGroup();
        CountDownLatch gate = new CountDownLatch(1);
        JmsTransport.Options options = TestSite.fastOptions().withPriority(3).withUrgentPriority(8);
        try (JMSContext reader = broker.connectionFactory().createContext(JMSContext.AUTO_ACKNOWLEDGE);
             JmsTransport transport = new JmsTransport(broker.connectionFactory(), names, 1, options, gated(gate),
                     FIRST_BYTE_U)) {
            JMSConsumer consumer = reader.createConsumer(reader.createQueue(names.siteQueue(2)));
            reader.start();
            transport.start();
            for (int i = 1; i <= 5; i++) {
                transport.send(2, ("log" + i).getBytes(UTF_8), new byte[0], new Lsn(1, 28L * i), 0);
            }
            transport.send(2, "Uvote".getBytes(UTF_8), new byte[0], Lsn.ZERO, 0);
            transport.send(2, "log6".getBytes(UTF_8), new byte[0], new Lsn(1, 168), 0);
            assertEquals(7, transport.queuedCount());
            gate.countDown();

            List<Message> got = receive(consumer, 7);
            List<String> order = new ArrayList<>();
            for (Message m : got) {
                order.add(control(m) + "@" + m.getJMSPriority());
            }
            assertEquals(List.of("Uvote@8", "log1@3", "log2@3", "log3@3", "log4@3", "log5@3", "log6@3"), order);
            Await.until("7 messages counted as sent", WAIT, () -> transport.sentCount() == 7);
            assertEquals(0, transport.failedCount());
        }
    }

    @Test
    void acceptedMessagesCountAsInFlightUntilHandedToTheBrokerAndTheLastRunsTheDrainListener() throws Exception {
        JmsNames names = newGroup();
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger drains = new AtomicInteger();
        try (JMSContext reader = broker.connectionFactory().createContext(JMSContext.AUTO_ACKNOWLEDGE);
             JmsTransport transport = new JmsTransport(broker.connectionFactory(), names, 1, TestSite.fastOptions(),
                     gated(gate))) {
            JMSConsumer consumer = reader.createConsumer(reader.createQueue(names.siteQueue(2)));
            reader.start();
            transport.setDrainListener(drains::incrementAndGet);
            transport.start();
            for (int i = 1; i <= 4; i++) {
                transport.send(2, ("log" + i).getBytes(UTF_8), new byte[0], new Lsn(1, 28L * i), 0);
            }
            assertEquals(4, transport.inFlight(), "queued behind the gated sender");
            assertEquals(0, drains.get());
            gate.countDown();
            assertEquals(4, receive(consumer, 4).size());
            Await.until("the last message handed over runs the drain listener", WAIT, () -> drains.get() == 1);
            assertEquals(0, transport.inFlight());
        }
    }

    @Test
    void theCoresClassificationSendsElectionLeaseTransferAndAckMessagesUrgently() {
        java.util.Set<dev.repdb.rep.wire.MessageType> urgent = java.util.EnumSet.of(
                dev.repdb.rep.wire.MessageType.VOTE1, dev.repdb.rep.wire.MessageType.VOTE2,
                dev.repdb.rep.wire.MessageType.ALIVE, dev.repdb.rep.wire.MessageType.ALIVE_REQ,
                dev.repdb.rep.wire.MessageType.DUPMASTER, dev.repdb.rep.wire.MessageType.LEASE_GRANT,
                dev.repdb.rep.wire.MessageType.MASTER_TRANSFER, dev.repdb.rep.wire.MessageType.ACK);
        for (dev.repdb.rep.wire.MessageType type : dev.repdb.rep.wire.MessageType.values()) {
            byte[] control = dev.repdb.rep.wire.MessageCodec.encodeControl(7, new dev.repdb.rep.wire.Message(type, 1,
                    -1, 1, 0, Lsn.ZERO, Lsn.ZERO, new byte[0]));
            assertEquals(urgent.contains(type), Urgency.CORE.urgent(control, 0), type.name());
        }
        assertEquals(false, Urgency.CORE.urgent("Uvote".getBytes(UTF_8), 0), "not a repdb control part");
    }

    @Test
    void withoutAnUrgencyEverythingKeepsItsOrderAndOnePriority() throws Exception {
        JmsNames names = newGroup();
        CountDownLatch gate = new CountDownLatch(1);
        try (JMSContext reader = broker.connectionFactory().createContext(JMSContext.AUTO_ACKNOWLEDGE);
             JmsTransport transport = new JmsTransport(broker.connectionFactory(), names, 1,
                     TestSite.fastOptions(), gated(gate))) {
            JMSConsumer consumer = reader.createConsumer(reader.createQueue(names.siteQueue(2)));
            reader.start();
            transport.start();
            for (String name : List.of("a", "Ub", "c")) {
                transport.send(2, name.getBytes(UTF_8), new byte[0], Lsn.ZERO, 0);
            }
            gate.countDown();
            List<String> order = new ArrayList<>();
            for (Message m : receive(consumer, 3)) {
                order.add(control(m) + "@" + m.getJMSPriority());
            }
            assertEquals(List.of("a@4", "Ub@4", "c@4"), order);
        }
    }

    @Test
    void asynchronousPersistentSendsArrivePersistentAndAreConfirmed() throws Exception {
        JmsNames names = newGroup();
        // a confirmation window, so that the completion listener reports the broker's confirmation
        ActiveMQConnectionFactory confirming = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + broker.port()
                + "?confirmationWindowSize=1048576&reconnectAttempts=0&callTimeout=5000");
        JmsTransport.Options options = TestSite.fastOptions().withPersistent(true).withAsyncPersistentSends(true);
        int count = 200;
        try (JMSContext reader = broker.connectionFactory().createContext(JMSContext.AUTO_ACKNOWLEDGE);
             JmsTransport transport = new JmsTransport(confirming, names, 1, options,
                     new DaemonThreads("test-async-sender"))) {
            JMSConsumer consumer = reader.createConsumer(reader.createQueue(names.siteQueue(2)));
            reader.start();
            transport.start();
            Await.until("connected", WAIT, transport::isConnected);
            for (int i = 0; i < count; i++) {
                transport.send(2, ("p" + i).getBytes(UTF_8), ("rec" + i).getBytes(UTF_8), new Lsn(1, 28 + i), 0);
            }
            List<Message> got = receive(consumer, count);
            for (int i = 0; i < count; i++) {
                BytesMessage m = (BytesMessage) got.get(i);
                assertEquals("p" + i, control(m));
                assertEquals(DeliveryMode.PERSISTENT, m.getJMSDeliveryMode());
            }
            Await.until("every send confirmed", WAIT, () -> transport.asyncCompletedCount() == count);
            assertEquals(count, transport.sentCount());
            assertEquals(0, transport.failedCount());
        } finally {
            confirming.close();
        }
    }
}
