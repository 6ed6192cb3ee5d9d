package dev.repdb.jms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.repdb.log.Lsn;
import dev.repdb.rep.Transport;
import dev.repdb.rep.TransportException;
import jakarta.jms.BytesMessage;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSProducer;
import jakarta.jms.TextMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three sites on a real embedded Artemis broker: routing, selector exclusion, byte-exact bodies, malformed input
 * and back-pressure. Each test uses its own group name, so nothing left over from one test reaches another.
 */
class JmsGroupTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Lsn NO_LSN = Lsn.ZERO;
    private static final AtomicInteger GROUPS = new AtomicInteger();

    @TempDir
    static Path brokerDir;
    private static EmbeddedBroker broker;
    private static ConnectionFactory factory;

    private JmsNames names;
    private final List<TestSite> sites = new ArrayList<>();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new EmbeddedBroker(brokerDir);
        factory = broker.connectionFactory();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @BeforeEach
    void newGroup() {
        names = new JmsNames("repdbtest.g" + GROUPS.incrementAndGet());
    }

    @AfterEach
    void closeSites() {
        sites.forEach(TestSite::close);
    }

    private TestSite site(int id) throws InterruptedException {
        TestSite site = new TestSite(broker.connectionFactory(), names, id);
        sites.add(site);
        return site.start();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void directedSendReachesOnlyTheTarget() throws Exception {
        TestSite s1 = site(1);
        TestSite s2 = site(2);
        TestSite s3 = site(3);

        s1.transport.send(2, utf8("to-2"), utf8("rec"), new Lsn(1, 28), Transport.PERMANENT);
        RecordingSink.Received got = s2.sink.next(WAIT);
        assertEquals("to-2", got.controlText());
        assertEquals(1, got.sender());

        // Fences: had "to-2" also been routed to site 3's or site 1's queue, it would be ahead of these there.
        s1.transport.send(3, utf8("fence-3"), new byte[0], NO_LSN, 0);
        s2.transport.send(1, utf8("fence-1"), new byte[0], NO_LSN, 0);
        assertEquals("fence-3", s3.sink.next(WAIT).controlText());
        assertEquals("fence-1", s1.sink.next(WAIT).controlText());
        for (TestSite s : sites) {
            assertEquals(0, s.sink.pending(), "site " + s.id + " got more");
            assertEquals(0, s.counters().ownDroppedCount());
            assertEquals(0, s.counters().misroutedCount());
            assertEquals(0, s.counters().malformedCount());
        }
        Await.until("site 1 counted 2 messages sent", WAIT, () -> s1.transport.sentCount() == 2);
    }

    @Test
    void broadcastReachesEveryOtherSiteAndTheSelectorExcludesTheSender() throws Exception {
        TestSite s1 = site(1);
        TestSite s2 = site(2);
        TestSite s3 = site(3);

        s1.transport.send(Transport.EID_BROADCAST, utf8("b-from-1"), utf8("r"), NO_LSN, 0);
        for (TestSite other : List.of(s2, s3)) {
            RecordingSink.Received got = other.sink.next(WAIT);
            assertEquals("b-from-1", got.controlText());
            assertEquals(1, got.sender());
        }
        // Site 1's broadcast was routed to every matching subscription before 2 and 3 could get it; a later
        // broadcast from site 2 is therefore behind it in site 1's subscription, had the selector let it in.
        s2.transport.send(Transport.EID_BROADCAST, utf8("b-from-2"), new byte[0], NO_LSN, 0);
        RecordingSink.Received first = s1.sink.next(WAIT);
        assertEquals("b-from-2", first.controlText());
        assertEquals(2, first.sender());
        assertEquals("b-from-2", s3.sink.next(WAIT).controlText());
        assertEquals(0, s1.counters().ownDroppedCount(), "the selector, not the code, must exclude the sender");
        assertEquals(0, s2.counters().ownDroppedCount());
        assertNull(s2.sink.poll(Duration.ofMillis(200)), "site 2 got its own broadcast");
        for (TestSite s : sites) {
            assertEquals(0, s.sink.pending(), "site " + s.id + " got more");
        }
    }

    @Test
    void bytesArriveByteForByteIncludingEmptyAndLargeBodies() throws Exception {
        TestSite s1 = site(1);
        TestSite s2 = site(2);
        TestSite s3 = site(3);
        Random random = new Random(42);
        byte[] everyByte = new byte[256];
        for (int i = 0; i < 256; i++) {
            everyByte[i] = (byte) i;
        }
        byte[] bigRec = new byte[60 * 1024];
        random.nextBytes(bigRec);
        byte[] someControl = new byte[40];
        random.nextBytes(someControl);
        byte[][][] cases = {
                {utf8("c"), new byte[0]},             // empty rec
                {new byte[0], everyByte},             // empty control
                {new byte[0], new byte[0]},           // both empty
                {someControl, bigRec},                // 60 KiB rec
                {bigRec, someControl},                // 60 KiB control
                {everyByte, everyByte},
        };
        for (byte[][] c : cases) {
            s1.transport.send(2, c[0], c[1], new Lsn(2, 4096), Transport.PERMANENT);
        }
        s1.transport.send(Transport.EID_BROADCAST, someControl, bigRec, NO_LSN, 0);
        for (byte[][] c : cases) {
            RecordingSink.Received got = s2.sink.next(WAIT); // one producer, one queue, one consumer: in order
            assertArrayEquals(c[0], got.control());
            assertArrayEquals(c[1], got.rec());
            assertEquals(1, got.sender());
        }
        for (TestSite other : List.of(s2, s3)) {
            RecordingSink.Received got = other.sink.next(WAIT);
            assertArrayEquals(someControl, got.control());
            assertArrayEquals(bigRec, got.rec());
        }
        assertEquals(0, s2.counters().malformedCount());
    }

    @Test
    void sendCopiesTheCallersArrays() throws Exception {
        site(1);
        TestSite s2 = site(2);
        byte[] control = utf8("before");
        sites.get(0).transport.send(2, control, control, NO_LSN, 0);
        control[0] = 'X'; // the caller reuses its buffer at once
        RecordingSink.Received got = s2.sink.next(WAIT);
        assertEquals("before", got.controlText());
        assertArrayEquals(utf8("before"), got.rec());
    }

    @Test
    void malformedMessagesAreCountedConsumedAndDoNotStopLaterGoodOnes() throws Exception {
        TestSite s1 = site(1);
        TestSite s2 = site(2);
        TestSite s3 = site(3);
        String queue2 = names.siteQueue(2);
        int bad = 0;
        try (JMSContext raw = factory.createContext()) {
            JMSProducer producer = raw.createProducer();
            var destination = raw.createQueue(queue2);

            TextMessage text = raw.createTextMessage("not bytes");
            text.setIntProperty(JmsMessageCodec.SENDER, 1);
            text.setIntProperty(JmsMessageCodec.TARGET, 2);
            producer.send(destination, text);
            bad++;

            BytesMessage noSender = raw.createBytesMessage();
            noSender.setIntProperty(JmsMessageCodec.TARGET, 2);
            noSender.writeInt(1);
            noSender.writeByte((byte) 7);
            producer.send(destination, noSender);
            bad++;

            BytesMessage truncated = wellAddressed(raw.createBytesMessage());
            truncated.writeInt(1000); // declares 1000 control bytes, carries 10
            truncated.writeBytes(new byte[10]);
            producer.send(destination, truncated);
            bad++;

            BytesMessage absurd = wellAddressed(raw.createBytesMessage());
            absurd.writeInt(Integer.MAX_VALUE);
            absurd.writeBytes(new byte[8]);
            producer.send(destination, absurd);
            bad++;

            BytesMessage negative = wellAddressed(raw.createBytesMessage());
            negative.writeInt(-5);
            producer.send(destination, negative);
            bad++;

            BytesMessage tooShort = wellAddressed(raw.createBytesMessage());
            tooShort.writeBytes(new byte[] {0, 1});
            producer.send(destination, tooShort);
            bad++;

            BytesMessage senderNotAnInt = raw.createBytesMessage();
            senderNotAnInt.setStringProperty(JmsMessageCodec.SENDER, "one");
            senderNotAnInt.setIntProperty(JmsMessageCodec.TARGET, 2);
            senderNotAnInt.writeInt(0);
            producer.send(destination, senderNotAnInt);
            bad++;

            // A broadcast without the sender property matches no subscription's selector: nobody gets it.
            BytesMessage anonymousBroadcast = raw.createBytesMessage();
            anonymousBroadcast.writeInt(0);
            producer.send(raw.createTopic(names.broadcastTopic()), anonymousBroadcast);
        }
        s1.transport.send(2, utf8("good-1"), utf8("r"), NO_LSN, 0);
        assertEquals("good-1", s2.sink.next(WAIT).controlText());
        final int expectedBad = bad;
        Await.until("site 2 counted " + expectedBad + " malformed messages", WAIT,
                () -> s2.counters().malformedCount() == expectedBad);
        Await.until("site 2's queue is empty (nothing redelivered)", WAIT, () -> broker.messagesOn(queue2) == 0);

        s3.transport.send(Transport.EID_BROADCAST, utf8("good-b"), new byte[0], NO_LSN, 0);
        s1.transport.send(2, utf8("good-2"), new byte[0], NO_LSN, 0);
        assertEquals("good-b", s1.sink.next(WAIT).controlText());
        List<String> at2 = List.of(s2.sink.next(WAIT).controlText(), s2.sink.next(WAIT).controlText());
        assertEquals(true, at2.containsAll(List.of("good-b", "good-2")), at2.toString());
        assertEquals(expectedBad, s2.counters().malformedCount());
        assertEquals(0, s1.counters().malformedCount(), "the anonymous broadcast reached site 1");
        assertEquals(0, s3.counters().malformedCount(), "the anonymous broadcast reached site 3");
        Await.until("site 2 counted 3 deliveries", WAIT, () -> s2.counters().deliveredCount() == 3);
    }

    private static BytesMessage wellAddressed(BytesMessage message) throws Exception {
        message.setIntProperty(JmsMessageCodec.SENDER, 1);
        message.setIntProperty(JmsMessageCodec.TARGET, 2);
        return message;
    }

    @Test
    void fullSendQueueThrowsTransportExceptionInsteadOfBlocking() throws Exception {
        TestSite s2 = site(2);
        CountDownLatch gate = new CountDownLatch(1);
        ThreadFactory gated = task -> {
            Thread t = new Thread(() -> {
                try {
                    gate.await(); // the sender thread cannot drain until the test opens the gate
                } catch (InterruptedException e) {
                    return;
                }
                task.run();
            }, "gated-sender");
            t.setDaemon(true);
            return t;
        };
        TestSite s1 = new TestSite(broker.connectionFactory(), names, 1, TestSite.fastOptions().withQueueCapacity(3),
                gated);
        sites.add(s1);
        s1.receiver.start();
        s1.transport.start();
        try {
            for (int i = 0; i < 3; i++) {
                s1.transport.send(2, utf8("m" + i), new byte[0], NO_LSN, 0);
            }
            TransportException full = assertTimeoutPreemptively(Duration.ofSeconds(2), () ->
                    assertThrows(TransportException.class,
                            () -> s1.transport.send(2, utf8("m3"), new byte[0], NO_LSN, Transport.PERMANENT)));
            assertEquals(true, full.getMessage().contains("full"), full.getMessage());
            assertEquals(1, s1.transport.droppedCount());
            assertEquals(3, s1.transport.queuedCount());
        } finally {
            gate.countDown();
        }
        for (int i = 0; i < 3; i++) {
            assertEquals("m" + i, s2.sink.next(WAIT).controlText());
        }
        s1.transport.send(2, utf8("after"), new byte[0], NO_LSN, 0);
        assertEquals("after", s2.sink.next(WAIT).controlText());
        Await.until("the sender counted 4 messages sent", WAIT, () -> s1.transport.sentCount() == 4);
        assertEquals(1, s1.transport.droppedCount());
        assertEquals(0, s1.transport.failedCount());
    }

    @Test
    void oversizedOrMisaddressedSendsAreRefusedAtOnce() throws Exception {
        TestSite s1 = site(1);
        int limit = s1.transport.maxMessageBytes();
        assertThrows(TransportException.class,
                () -> s1.transport.send(2, new byte[limit], new byte[0], NO_LSN, 0));
        assertThrows(TransportException.class,
                () -> s1.transport.send(Transport.EID_INVALID, new byte[1], new byte[0], NO_LSN, 0));
        assertEquals(2, s1.transport.droppedCount());
        s1.transport.close();
        assertThrows(TransportException.class, () -> s1.transport.send(2, new byte[1], new byte[0], NO_LSN, 0));
    }
}
