package dev.repdb.it.probe;

import jakarta.annotation.Resource;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.jms.BytesMessage;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The probe's HTTP face: sends through the server's connection factory, reports what the MDBs received. */
@Path("/")
@RequestScoped
public class ProbeResource {
    /** The sender id the probe puts on what it sends (no real site has it). */
    static final int PROBE_SENDER = 99;

    @ApplicationPath("probe")
    public static class Api extends Application {
    }

    @Resource(lookup = "jms/repdb")
    ConnectionFactory connectionFactory;

    @Inject
    @ConfigProperty(name = "repdb.group")
    String group;

    @Inject
    @ConfigProperty(name = "repdb.site.id")
    int siteId;

    /** Sends {@code body} as a BytesMessage to the queue of site {@code site}. */
    @POST
    @Path("send/{site}")
    @Produces(MediaType.TEXT_PLAIN)
    public String send(@PathParam("site") int site, String body) throws JMSException {
        try (JMSContext context = connectionFactory.createContext(JMSContext.AUTO_ACKNOWLEDGE)) {
            BytesMessage message = context.createBytesMessage();
            message.writeBytes(body.getBytes(StandardCharsets.UTF_8));
            message.setIntProperty("repdbSender", PROBE_SENDER);
            String queue = group + ".site." + site;
            context.createProducer().send(context.createQueue(queue), message);
            return "sent to " + queue;
        }
    }

    @GET
    @Path("received")
    @Produces(MediaType.TEXT_PLAIN)
    public String received() {
        return String.join("\n", ProbeLog.RECEIVED);
    }

    /** MicroProfile Config's view of the server.xml variables, and whether the startup singleton ran. */
    @GET
    @Path("config")
    @Produces(MediaType.TEXT_PLAIN)
    public String config() {
        return "group=" + group + " site=" + siteId + " startup=" + ProbeLog.startupRan;
    }
}
