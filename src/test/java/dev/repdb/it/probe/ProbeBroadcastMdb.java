package dev.repdb.it.probe;

import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.jms.Message;
import jakarta.jms.MessageListener;

/**
 * Stands in for dev.repdb.ee.RepdbBroadcastMdb: same EJB name and the same server-neutral annotation; destination
 * and selector come from the server (WildFly: WEB-INF/jboss-ejb3.xml of the site WAR).
 */
@MessageDriven(name = "RepdbBroadcastMdb", activationConfig = {
        @ActivationConfigProperty(propertyName = "destinationType", propertyValue = "jakarta.jms.Topic"),
        @ActivationConfigProperty(propertyName = "useJNDI", propertyValue = "false"),
        @ActivationConfigProperty(propertyName = "maxSession", propertyValue = "1"),
        @ActivationConfigProperty(propertyName = "subscriptionDurability", propertyValue = "NonDurable")})
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class ProbeBroadcastMdb implements MessageListener {
    @Override
    public void onMessage(Message message) {
        ProbeLog.add("broadcast:" + ProbeQueueMdb.describe(message));
    }
}
