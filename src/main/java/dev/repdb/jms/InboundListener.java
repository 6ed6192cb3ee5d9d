package dev.repdb.jms;

import dev.repdb.rep.InvalidMessageException;
import dev.repdb.rep.Transport;
import jakarta.jms.Message;
import jakarta.jms.MessageListener;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Unwraps inbound JMS messages for one site and hands them to a {@link MessageSink}. It drops the site's own
 * messages (a second line behind the broadcast selector) and messages addressed to another site, and counts and
 * logs (rate-limited, no payloads) malformed messages and sink failures. {@link #onMessage} never throws, so with
 * auto-acknowledge every message is consumed once and never loops on redelivery. Thread-safe.
 */
public final class InboundListener implements MessageListener {
    private static final Logger LOG = System.getLogger(InboundListener.class.getName());

    private final int ownId;
    private final MessageSink sink;
    private final JmsMessageCodec codec;
    private final RateLimitedLog malformedLog = new RateLimitedLog(LOG, Duration.ofSeconds(10));
    private final RateLimitedLog sinkLog = new RateLimitedLog(LOG, Duration.ofSeconds(10));
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong ownDropped = new AtomicLong();
    private final AtomicLong misrouted = new AtomicLong();
    private final AtomicLong sinkFailures = new AtomicLong();

    public InboundListener(int ownId, MessageSink sink, JmsMessageCodec codec) {
        this.ownId = ownId;
        this.sink = Objects.requireNonNull(sink, "sink");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    @Override
    public void onMessage(Message message) {
        JmsMessageCodec.Decoded decoded;
        try {
            decoded = codec.decode(message);
        } catch (MalformedMessageException e) {
            malformed.incrementAndGet();
            malformedLog.log(Level.WARNING, "site " + ownId + " dropped a malformed JMS message: " + e.getMessage(),
                    null);
            return;
        }
        if (decoded.sender() == ownId) {
            ownDropped.incrementAndGet();
            return;
        }
        if (decoded.target() != ownId && decoded.target() != Transport.EID_BROADCAST) {
            misrouted.incrementAndGet();
            malformedLog.log(Level.WARNING, "site " + ownId + " dropped a JMS message for site " + decoded.target(),
                    null);
            return;
        }
        try {
            sink.deliver(decoded.control(), decoded.rec(), decoded.sender());
            delivered.incrementAndGet();
        } catch (InvalidMessageException e) {
            // well-formed JMS, but not a message this site can use: consumed, nothing changed
            malformed.incrementAndGet();
            malformedLog.log(Level.WARNING, "site " + ownId + " rejected a message from site " + decoded.sender()
                    + ": " + e.getMessage(), null);
        } catch (RuntimeException e) {
            sinkFailures.incrementAndGet();
            sinkLog.log(Level.ERROR, "site " + ownId + ": processing a message from site " + decoded.sender()
                    + " failed", e);
        }
    }

    /** Messages the sink took without throwing. */
    public long deliveredCount() {
        return delivered.get();
    }

    /** Messages that were not well-formed repdb messages, or that the sink rejected as invalid. */
    public long malformedCount() {
        return malformed.get();
    }

    /** This site's own messages that reached it anyway (the broadcast selector should make this 0). */
    public long ownDroppedCount() {
        return ownDropped.get();
    }

    /** Well-formed messages addressed to another site. */
    public long misroutedCount() {
        return misrouted.get();
    }

    /** Messages whose sink threw. */
    public long sinkFailureCount() {
        return sinkFailures.get();
    }
}
