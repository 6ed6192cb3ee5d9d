package dev.repdb.ee;

import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.EJB;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.jms.Message;
import jakarta.jms.MessageListener;

/**
 * Takes the messages addressed to this site (its queue) and hands them to {@link RepdbSite}. The annotation carries
 * only server-neutral properties; the destination comes from server configuration (Liberty: the
 * {@code jmsActivationSpec} {@code <app>/RepdbQueueMdb}; WildFly: {@code WEB-INF/jboss-ejb3.xml} or
 * {@code ejb-jar.xml}). One session keeps each sender's order, which saves re-requests.
 */
@MessageDriven(name = "RepdbQueueMdb", activationConfig = {
        @ActivationConfigProperty(propertyName = "destinationType", propertyValue = "jakarta.jms.Queue"),
        @ActivationConfigProperty(propertyName = "useJNDI", propertyValue = "false"),
        @ActivationConfigProperty(propertyName = "maxSession", propertyValue = "1")})
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class RepdbQueueMdb implements MessageListener {
    @EJB
    private RepdbSite site;

    @Override
    public void onMessage(Message message) {
        site.onMessage(message);
    }
}
