package dev.repdb.it.probe;

import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.jms.Message;
import jakarta.jms.MessageListener;

/**
 * Stands in for the site's queue MDB: same EJB name, same server-neutral annotation properties, so Liberty binds it to
 * the activation spec repdb-site/RepdbQueueMdb of server.xml (destination there).
 */
@MessageDriven(name = "RepdbQueueMdb", activationConfig = {
        @ActivationConfigProperty(propertyName = "destinationType", propertyValue = "jakarta.jms.Queue"),
        @ActivationConfigProperty(propertyName = "useJNDI", propertyValue = "false"),
        @ActivationConfigProperty(propertyName = "maxSession", propertyValue = "1")})
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class ProbeQueueMdb implements MessageListener {
    @Override
    public void onMessage(Message message) {
        ProbeLog.record("queue", message);
    }
}
