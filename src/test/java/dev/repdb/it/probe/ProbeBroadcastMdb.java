package dev.repdb.it.probe;

import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.jms.Message;
import jakarta.jms.MessageListener;

/** Stands in for the site's broadcast MDB (activation spec repdb-site/RepdbBroadcastMdb: topic, selector). */
@MessageDriven(name = "RepdbBroadcastMdb", activationConfig = {
        @ActivationConfigProperty(propertyName = "destinationType", propertyValue = "jakarta.jms.Topic"),
        @ActivationConfigProperty(propertyName = "useJNDI", propertyValue = "false"),
        @ActivationConfigProperty(propertyName = "maxSession", propertyValue = "1"),
        @ActivationConfigProperty(propertyName = "subscriptionDurability", propertyValue = "NonDurable")})
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class ProbeBroadcastMdb implements MessageListener {
    @Override
    public void onMessage(Message message) {
        ProbeLog.record("topic", message);
    }
}
