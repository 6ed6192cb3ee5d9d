package dev.repdb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.repdb.Transaction;
import dev.repdb.ee.JvmSite;
import dev.repdb.log.FileStorage;
import dev.repdb.log.Lsn;
import dev.repdb.rep.auth.GroupSecrets;
import dev.repdb.rep.auth.MessageAuthenticator;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import jakarta.jms.JMSContext;
import jakarta.jms.Queue;
import jakarta.json.JsonObject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Authenticated replication inside a real server (the container of this failsafe execution), over the real broker:
 * the server's site (site 1) and two JVM sites run with a group secret ({@code repdb.group-secret}); what an attacker
 * with a broker login sends to the server's queue (unsigned, wrong-secret and tampered messages, genuine traffic
 * captured on the broadcast topic and replayed later) is counted and changes nothing. A group of its own (no
 * transfers or restarts), so that {@link SiteIT}'s story runs as before.
 */
@ExtendWith(ArquillianExtension.class)
@DisabledIfSystemProperty(named = "repdb.it.container", matches = "mixed")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthenticatedSiteIT {
    private static final int SERVER_SITE = ItSession.ARQ_SITE_ID;
    private static final Map<String, String> SETTINGS = withSecret();

    private static JvmSite site2;
    private static JvmSite site3;

    @ArquillianResource
    private URL base;

    @Deployment(testable = false)
    static WebArchive site() {
        return ItDeployments.site(SETTINGS);
    }

    private static Map<String, String> withSecret() {
        Map<String, String> settings = new HashMap<>(ItDeployments.GROUP_SETTINGS);
        settings.put("repdb.group-secret", ItDeployments.GROUP_SECRET);
        return Map.copyOf(settings);
    }

    @AfterAll
    static void closeJvmSites() {
        for (JvmSite s : java.util.stream.Stream.of(site2, site3).filter(java.util.Objects::nonNull).toList()) {
            s.close();
        }
    }

    private Http http() {
        return new Http(base);
    }

    private static JvmSite openJvmSite(int id) {
        return new JvmSite(id, ItSession.runDir().resolve("authenticated-jvm-site-" + id),
                ItSession.broker().connectionFactory(ItSession.broker().users().site(id)), SETTINGS);
    }

    private int masterId() throws Exception {
        return http().status().getInt("master");
    }

    @Test
    @Order(1)
    void anAuthenticatedGroupElectsAMasterAndReplicates() throws Exception {
        site2 = openJvmSite(2);
        site3 = openJvmSite(3);
        Http http = http();
        // a cold group's first election may fail on first contact (docs/security.md); the reactions elect again
        Await.until("a master in the authenticated group and the server's site ready", () -> masterId() > 0
                && http.health("ready").status() == 200);
        JvmSite master = site2.isMaster() ? site2 : site3.isMaster() ? site3 : null;
        if (master != null) {
            try (Transaction txn = master.runtime().environment().beginTransaction()) {
                master.runtime().environment().openDatabase("orders").put(txn, bytes("a1"), bytes("signed"));
                txn.commit();
            }
        } else {
            assertEquals(200, http.admin("PUT", "repdb/databases/orders/a1", "signed").status());
        }
        Await.until("a1 on every site", () -> http.as(ItSession.readerLogin(), "GET", "repdb/databases/orders/a1",
                null, Map.of()).status() == 200 && "signed".equals(text(site2.runtime().environment()
                .openDatabase("orders").get(bytes("a1")))) && "signed".equals(text(site3.runtime().environment()
                .openDatabase("orders").get(bytes("a1")))));
        assertEquals(0, counter(http.status(), "msgs_unauthenticated"), "the group's own messages all verify");
    }

    @Test
    @Order(2)
    void forgedTamperedAndUnsignedMessagesThroughTheBrokerChangeNothingAndAreCountedAsUnauthenticated()
            throws Exception {
        Http http = http();
        JsonObject before = http.status();
        long unauthenticated = counter(before, "msgs_unauthenticated");
        int generation = before.getInt("generation");
        String group = site2.runtime().config().environment().build().replication().groupName();
        // what an attacker on the broker would most like the server's site to take: a new master (site 2) in a
        // much later generation, announced in site 2's name
        Message claim = new Message(MessageType.NEWMASTER, 2, Message.BROADCAST, generation + 10, 0,
                new Lsn(1, 1L << 30), Lsn.ZERO, bytes("forged"));
        byte[] header = MessageCodec.encodeControl(MessageCodec.groupId(group), claim);
        Path scratch = Files.createTempDirectory(ItSession.workDir(), "forger");
        Files.createDirectories(scratch.resolve("right"));
        Files.createDirectories(scratch.resolve("wrong"));
        MessageAuthenticator rightSecret = MessageAuthenticator.open(GroupSecrets.of(
                java.util.Base64.getDecoder().decode(ItDeployments.GROUP_SECRET)), group, MessageCodec.CONTROL_SIZE,
                16, FileStorage.INSTANCE, scratch.resolve("right"));
        MessageAuthenticator wrongSecret = MessageAuthenticator.open(GroupSecrets.of(
                bytes("not the group's secret at all")), group, MessageCodec.CONTROL_SIZE, 16, FileStorage.INSTANCE,
                scratch.resolve("wrong"));
        byte[] tampered = rightSecret.seal(header, claim.rec(), Message.BROADCAST);
        tampered[12] ^= 1; // a header byte after signing
        List<byte[]> controls = List.of(header, wrongSecret.seal(header, claim.rec(), Message.BROADCAST), tampered);
        try (JMSContext context = ItSession.broker().connectionFactory(ItSession.broker().users().site(2))
                .createContext()) {
            Queue queue = context.createQueue("repdb.site." + SERVER_SITE);
            dev.repdb.jms.JmsMessageCodec codec = new dev.repdb.jms.JmsMessageCodec();
            for (byte[] control : controls) {
                context.createProducer().send(queue, codec.encode(context, 2, SERVER_SITE, control, claim.rec(),
                        null));
            }
        }
        Await.until("three unauthenticated messages counted", () -> counter(http.status(), "msgs_unauthenticated")
                == unauthenticated + 3);
        JsonObject after = http.status();
        assertEquals(before.getInt("generation"), after.getInt("generation"), "no master deposed, no new generation");
        assertEquals(before.getInt("master"), after.getInt("master"));
        assertEquals(before.getString("role"), after.getString("role"));
        assertEquals(before.getString("appliedLsn"), after.getString("appliedLsn"), "nothing applied");
        assertEquals(unauthenticated + 3, counter(after, "msgs_unauthenticated"));
        // and the group still replicates, authenticated
        JvmSite master = site2.isMaster() ? site2 : site3.isMaster() ? site3 : null;
        if (master != null) {
            try (Transaction txn = master.runtime().environment().beginTransaction()) {
                master.runtime().environment().openDatabase("orders").put(txn, bytes("o13"), bytes("dates"));
                txn.commit();
            }
        } else {
            assertEquals(200, http.admin("PUT", "repdb/databases/orders/o13", "dates").status());
        }
        JvmSite client = master == site2 ? site3 : site2;
        Await.until("o13 everywhere", () -> "dates".equals(text(client.runtime().environment()
                .openDatabase("orders").get(bytes("o13")))) && http.as(ItSession.readerLogin(), "GET",
                "repdb/databases/orders/o13", null, Map.of()).status() == 200);
    }

    @Test
    @Order(3)
    void genuineTrafficCapturedOnTheBrokerAndReplayedLaterChangesNothing() throws Exception {
        Http http = http();
        if (masterId() == SERVER_SITE) {
            assertEquals(202, http.admin("POST", "repdb/transfer/2", "").status());
            Await.until("site 2 is master and the server's site follows it", () -> site2.isMaster()
                    && http.status().getInt("master") == 2);
        }
        JvmSite master = site2.isMaster() ? site2 : site3;
        String topic = new dev.repdb.jms.JmsNames(site2.runtime().config().environment().build().replication()
                .groupName()).broadcastTopic();
        List<jakarta.jms.Message> captured = new ArrayList<>();
        // an eavesdropper with a site's broker login: it may subscribe to the broadcast like any site
        try (JMSContext context = ItSession.broker().connectionFactory(ItSession.broker().users().site(
                master.id())).createContext()) {
            jakarta.jms.JMSConsumer tap = context.createConsumer(context.createTopic(topic),
                    dev.repdb.jms.JmsMessageCodec.SENDER + " = " + master.id());
            for (int i = 0; i < 3; i++) {
                try (Transaction txn = master.runtime().environment().beginTransaction()) {
                    master.runtime().environment().openDatabase("orders").put(txn, bytes("r" + i), bytes("v" + i));
                    txn.commit();
                }
            }
            Await.until("the three records and a heartbeat captured", () -> {
                jakarta.jms.Message m = tap.receive(200);
                if (m != null) {
                    captured.add(m);
                }
                return captured.size() >= 4;
            });
            Await.until("r2 on the server's site", () -> http.as(ItSession.readerLogin(), "GET",
                    "repdb/databases/orders/r2", null, Map.of()).status() == 200);
            JsonObject before = http.status();
            long dropped = counter(before, "msgs_replayed") + counter(before, "msgs_not_fresh");
            Queue queue = context.createQueue("repdb.site." + SERVER_SITE);
            for (jakarta.jms.Message m : captured) {
                context.createProducer().send(queue, m); // byte for byte, properties and all
            }
            Await.until("every replay recognized", () -> {
                JsonObject now = http.status();
                return counter(now, "msgs_replayed") + counter(now, "msgs_not_fresh") >= dropped + captured.size();
            });
            JsonObject after = http.status();
            assertEquals(before.getInt("generation"), after.getInt("generation"));
            assertEquals(before.getInt("master"), after.getInt("master"));
            assertEquals(before.getString("appliedLsn"), after.getString("appliedLsn"), "nothing applied twice");
            assertEquals(counter(before, "msgs_unauthenticated"), counter(after, "msgs_unauthenticated"),
                    "genuine messages verify; they are refused as replays, not as forgeries");
        }
    }

    private static long counter(JsonObject status, String name) {
        JsonObject counters = status.getJsonObject("counters");
        return counters.containsKey(name) ? counters.getJsonNumber(name).longValue() : 0;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
