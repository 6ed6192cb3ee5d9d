package dev.repdb.rep;

import dev.repdb.log.Storage;
import dev.repdb.rep.auth.AuthenticationFailedException;
import dev.repdb.rep.auth.Freshness;
import dev.repdb.rep.auth.MessageAuthenticator;
import dev.repdb.rep.auth.SenderLimit;
import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.wire.Payloads;
import dev.repdb.rep.wire.Reassembly;
import dev.repdb.rep.wire.WireFormatException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A message's way in, before the state machine sees it: its MAC verified (group secrets on), its size bounded, its
 * header decoded and checked, its freshness and sender admitted, its fragments reassembled and its payload checked.
 * Runs without the replication lock ({@code processMessage} is free-threaded); the parts it uses are thread-safe
 * or, like the reassembly, locked here.
 */
final class Inbound {

    /** A whole message for the state machine, or the answer to give at once (dropped, or a fragment held). */
    record Accepted(Message message, RepStatus answer, Message heldFragment) {
    }

    private final Site s;
    private final MessageAuthenticator auth;
    private final SenderLimit senders;
    private final Reassembly reassembly;

    Inbound(Site s, MessageAuthenticator auth) {
        this.s = s;
        this.auth = auth;
        this.senders = new SenderLimit(s.config.inbound().maxSenders());
        this.reassembly = new Reassembly(s.config.inbound());
    }

    /** The authenticator of the site at {@code home}, or null when {@code config} has no group secrets. */
    static MessageAuthenticator authenticator(RepConfig config, Storage storage, Path home) {
        return config.groupSecrets() == null ? null : MessageAuthenticator.open(config.groupSecrets(),
                config.groupName(), MessageCodec.CONTROL_SIZE, config.inbound().maxSenders(), storage, home);
    }

    /**
     * @throws InvalidMessageException (an {@link UnauthenticatedMessageException} for a bad MAC) if the message is
     *                                 malformed, misrouted, too large or forged; nothing changed then
     */
    Accepted accept(byte[] control, byte[] rec, int envId) {
        try {
            MessageAuthenticator.Verified verified = null;
            if (auth != null) {
                try {
                    verified = auth.verify(control, rec);
                } catch (AuthenticationFailedException e) {
                    s.counters.increment("msgs_unauthenticated");
                    throw new UnauthenticatedMessageException(e.getMessage());
                }
                control = verified.header();
            }
            if (rec != null && rec.length > s.config.inbound().maxRecBytes()) {
                s.counters.increment("msgs_oversized");
                throw new InvalidMessageException("a message of " + rec.length + " bytes; this site accepts at most "
                        + s.config.inbound().maxRecBytes());
            }
            Message message = MessageCodec.decode(control, rec, envId, s.localId, s.groupId);
            Freshness fresh = verified == null ? Freshness.FRESH : auth.admit(verified, message.sender(), s.localId);
            if (fresh == Freshness.FRESH && !senders.admit(message.sender())) {
                fresh = Freshness.TOO_MANY_SENDERS;
            }
            if (fresh != Freshness.FRESH) {
                // a replay, a message from before this site's restart, or one sender too many: dropped, counted
                s.counters.increment(fresh.counter());
                return new Accepted(null, RepStatus.IGNORE, null);
            }
            if (message.type() == MessageType.FRAGMENT) {
                Optional<Message> whole = reassemble(message);
                if (whole.isEmpty()) {
                    s.counters.increment("fragments_received");
                    return new Accepted(null, null, message);
                }
                message = whole.get();
            }
            PayloadChecks.check(message);
            return new Accepted(message, null, null);
        } catch (WireFormatException e) {
            s.counters.increment("msgs_invalid");
            throw new InvalidMessageException(e.getMessage());
        } catch (InvalidMessageException e) {
            s.counters.increment("msgs_invalid");
            throw e;
        }
    }

    private Optional<Message> reassemble(Message fragment) {
        Payloads.Fragment piece = Payloads.decodeFragment(fragment.rec());
        synchronized (reassembly) {
            long droppedBefore = reassembly.dropped();
            Optional<Message> whole = reassembly.add(fragment, piece);
            long dropped = reassembly.dropped() - droppedBefore;
            if (dropped != 0) {
                s.counters.add("fragments_dropped", dropped);
            }
            return whole;
        }
    }

    /** Rotates the group secrets (see {@link Replication#setGroupSecrets}). */
    void setGroupSecrets(dev.repdb.rep.auth.GroupSecrets secrets) {
        if (auth == null) {
            throw new IllegalStateException("this environment was opened without group secrets; authentication is "
                    + "switched on at open (EnvironmentConfig.builder().groupSecrets(...))");
        }
        auth.setSecrets(secrets);
    }
}
