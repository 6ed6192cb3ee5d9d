package dev.repdb.ee;

import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.EJB;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.jms.Message;
import jakarta.jms.MessageListener;

/**
 * Takes the group's broadcasts (the topic) and hands them to {@link RepdbSite}. The subscription is non-durable: it
 * leaves nothing behind a retired site and is simply recreated after a broker restart; the protocol repairs what a
 * site missed. Destination and selector ({@code repdbSender <> <site id>}) come from server configuration.
 */
@MessageDriven(name = "RepdbBroadcastMdb", activationConfig = {
        @ActivationConfigProperty(propertyName = "destinationType", propertyValue = "jakarta.jms.Topic"),
        @ActivationConfigProperty(propertyName = "useJNDI", propertyValue = "false"),
        @ActivationConfigProperty(propertyName = "subscriptionDurability", propertyValue = "NonDurable"),
        @ActivationConfigProperty(propertyName = "maxSession", propertyValue = "1")})
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class RepdbBroadcastMdb implements MessageListener {
    @EJB
    private RepdbSite site;

    @Override
    public void onMessage(Message message) {
        site.onMessage(message);
    }
}
