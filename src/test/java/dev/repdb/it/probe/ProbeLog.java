package dev.repdb.it.probe;

import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What the probe application saw, as lines "kind:sender:body", in arrival order (static: one app per server). */
public final class ProbeLog {
    static final List<String> RECEIVED = new CopyOnWriteArrayList<>();
    static volatile boolean startupRan;

    private ProbeLog() {
    }

    static void record(String kind, Message message) {
        try {
            BytesMessage bytes = (BytesMessage) message;
            byte[] body = new byte[(int) bytes.getBodyLength()];
            bytes.readBytes(body);
            RECEIVED.add(kind + ":" + message.getIntProperty("repdbSender") + ":" + new String(body, StandardCharsets.UTF_8));
        } catch (JMSException | RuntimeException e) {
            RECEIVED.add(kind + ":error:" + e);
        }
    }
}
