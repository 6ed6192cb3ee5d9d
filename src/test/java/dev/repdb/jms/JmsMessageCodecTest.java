package dev.repdb.jms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.repdb.log.Lsn;
import dev.repdb.rep.Transport;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The codec and the inbound listener on messages made by the real Artemis client (no routing involved): framing,
 * properties, LSNs, limits, and the listener's own-message, misrouting and sink-failure handling.
 */
class JmsMessageCodecTest {
    @TempDir
    static Path brokerDir;
    private static EmbeddedBroker broker;
    private static JMSContext context;
    private final JmsMessageCodec codec = new JmsMessageCodec();

    @BeforeAll
    static void start() throws Exception {
        broker = new EmbeddedBroker(brokerDir);
        context = broker.connectionFactory().createContext();
    }

    @AfterAll
    static void stop() {
        context.close();
        broker.close();
    }

    private BytesMessage message(int sender, int target, String control, String rec, Lsn lsn) throws Exception {
        return codec.encode(context, sender, target, control.getBytes(UTF_8), rec.getBytes(UTF_8), lsn);
    }

    @Test
    void roundTripKeepsBytesSenderTargetAndLsn() throws Exception {
        BytesMessage m = message(3, 1, "ctl", "record", new Lsn(7, 123_456_789_012L));
        m.reset();
        assertEquals(4 + 3 + 6, m.getBodyLength());
        assertEquals(3, m.readInt(), "the body starts with the control length as a big-endian int");
        JmsMessageCodec.Decoded d = codec.decode(m);
        assertEquals(3, d.sender());
        assertEquals(1, d.target());
        assertArrayEquals("ctl".getBytes(UTF_8), d.control());
        assertArrayEquals("record".getBytes(UTF_8), d.rec());
        assertEquals(new Lsn(7, 123_456_789_012L), d.lsn());
        assertEquals(d.sender(), codec.decode(m).sender(), "decoding twice works");
    }

    @Test
    void zeroLsnIsLeftOutAndBroadcastTargetIsMinusOne() throws Exception {
        BytesMessage m = message(2, Transport.EID_BROADCAST, "", "", Lsn.ZERO);
        assertEquals(false, m.propertyExists(JmsMessageCodec.LSN_FILE));
        JmsMessageCodec.Decoded d = codec.decode(m);
        assertNull(d.lsn());
        assertEquals(-1, d.target());
        assertEquals(0, d.control().length);
        assertEquals(0, d.rec().length);
    }

    @Test
    void limitsAreEnforcedBothWays() throws Exception {
        JmsMessageCodec small = new JmsMessageCodec(16);
        assertThrows(IllegalArgumentException.class,
                () -> small.encode(context, 1, 2, new byte[10], new byte[3], null));
        BytesMessage big = message(1, 2, "0123456789", "abc", null); // 17 bytes
        assertThrows(MalformedMessageException.class, () -> small.decode(big));
        assertThrows(IllegalArgumentException.class, () -> codec.encode(context, -1, 2, new byte[0], new byte[0], null));
        BytesMessage halfLsn = message(1, 2, "c", "r", null);
        halfLsn.setIntProperty(JmsMessageCodec.LSN_FILE, 1);
        assertThrows(MalformedMessageException.class, () -> codec.decode(halfLsn));
        assertThrows(MalformedMessageException.class, () -> codec.decode(context.createMapMessage()));
        assertThrows(MalformedMessageException.class, () -> codec.decode(null));
    }

    @Test
    void listenerDropsOwnAndMisroutedMessagesInCodeAndSurvivesSinkFailures() throws Exception {
        List<String> got = new ArrayList<>();
        InboundListener listener = new InboundListener(2, (c, r, sender) -> {
            String text = new String(c, UTF_8);
            if (text.equals("boom")) {
                throw new IllegalStateException("sink failure");
            }
            got.add(text + "@" + sender);
        }, codec);

        listener.onMessage(message(2, Transport.EID_BROADCAST, "own-broadcast", "", null)); // the selector let it by
        listener.onMessage(message(2, 2, "own-directed", "", null));
        listener.onMessage(message(1, 3, "for-site-3", "", null));
        assertDoesNotThrow(() -> listener.onMessage(message(1, 2, "boom", "", null)));
        assertDoesNotThrow(() -> listener.onMessage(context.createTextMessage("junk")));
        listener.onMessage(message(1, 2, "ok", "", null));
        listener.onMessage(message(3, Transport.EID_BROADCAST, "ok-b", "", null));

        assertEquals(List.of("ok@1", "ok-b@3"), got);
        assertEquals(2, listener.ownDroppedCount());
        assertEquals(1, listener.misroutedCount());
        assertEquals(1, listener.sinkFailureCount());
        assertEquals(1, listener.malformedCount());
        assertEquals(2, listener.deliveredCount());
    }

    @Test
    void namesArePrefixedByTheGroupAndValidated() {
        JmsNames names = new JmsNames("orders.eu-1");
        assertEquals("orders.eu-1.site.4", names.siteQueue(4));
        assertEquals("orders.eu-1.broadcast", names.broadcastTopic());
        assertEquals("repdbSender <> 4", JmsNames.broadcastSelector(4));
        assertThrows(IllegalArgumentException.class, () -> new JmsNames("repdb.#"));
        assertThrows(IllegalArgumentException.class, () -> new JmsNames(""));
        assertThrows(IllegalArgumentException.class, () -> names.siteQueue(-1));
    }
}
