package dev.repdb.it.probe;

import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageListener;
import java.nio.charset.StandardCharsets;

/**
 * Stands in for dev.repdb.ee.RepdbQueueMdb: same EJB name and the same server-neutral annotation; the destination
 * comes from the server (WildFly: WEB-INF/jboss-ejb3.xml of the site WAR).
 */
@MessageDriven(name = "RepdbQueueMdb", activationConfig = {
        @ActivationConfigProperty(propertyName = "destinationType", propertyValue = "jakarta.jms.Queue"),
        @ActivationConfigProperty(propertyName = "useJNDI", propertyValue = "false"),
        @ActivationConfigProperty(propertyName = "maxSession", propertyValue = "1")})
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class ProbeQueueMdb implements MessageListener {
    @Override
    public void onMessage(Message message) {
        ProbeLog.add("queue:" + describe(message));
    }

    static String describe(Message message) {
        try {
            BytesMessage bytes = (BytesMessage) message;
            byte[] body = new byte[(int) bytes.getBodyLength()];
            bytes.readBytes(body);
            return new String(body, StandardCharsets.UTF_8) + "@" + message.getIntProperty("repdbSender");
        } catch (JMSException | RuntimeException e) {
            return "unreadable " + e;
        }
    }
}
