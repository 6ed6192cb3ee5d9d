package dev.repdb.it.probe;

import jakarta.jms.BytesMessage;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * The probe's REST side: sends a BytesMessage with int property repdbSender through the server's repdb connection
 * factory (system property repdb.jms.connection-factory, default java:/jms/repdb) and lists what the MDBs received.
 */
@Path("probe")
public class ProbeResource {
    @ApplicationPath("api")
    public static class App extends Application {
    }

    /** Sends {@code text} to address {@code to} (queue, or topic when {@code topic=true}) as sender {@code sender}. */
    @POST
    @Path("send")
    @Produces(MediaType.TEXT_PLAIN)
    public String send(@QueryParam("to") String to, @QueryParam("topic") boolean topic,
            @QueryParam("sender") int sender, @QueryParam("text") String text) throws NamingException {
        ConnectionFactory cf = InitialContext.doLookup(
                System.getProperty("repdb.jms.connection-factory", "java:/jms/repdb"));
        try (JMSContext context = cf.createContext()) {
            BytesMessage message = context.createBytesMessage();
            message.writeBytes(text.getBytes(StandardCharsets.UTF_8));
            message.setIntProperty("repdbSender", sender);
            context.createProducer().send(topic ? context.createTopic(to) : context.createQueue(to), message);
        } catch (jakarta.jms.JMSException e) {
            throw new IllegalStateException(e);
        }
        return "sent";
    }

    /** One entry a line, in arrival order. */
    @GET
    @Path("received")
    @Produces(MediaType.TEXT_PLAIN)
    public String received() {
        return String.join("\n", ProbeLog.received());
    }

    /** This server's site id (system property repdb.site.id). */
    @GET
    @Path("site")
    @Produces(MediaType.TEXT_PLAIN)
    public String site() {
        return System.getProperty("repdb.site.id", "");
    }
}
