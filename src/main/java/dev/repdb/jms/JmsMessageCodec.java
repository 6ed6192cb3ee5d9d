package dev.repdb.jms;

import dev.repdb.log.Lsn;
import dev.repdb.rep.Transport;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.Message;

/**
 * The one mapping between a {@link BytesMessage} and a repdb message {@code (control, rec, sender)}, used by the
 * transport, the SE receiver and the MDBs alike. Pure: it holds no JMS resources and is immutable and thread-safe
 * (the messages it is handed are not, as usual in JMS).
 *
 * <p><b>Framing</b> (byte exact): the body is {@code int controlLength} (4 bytes, big-endian, as
 * {@link BytesMessage#writeInt} writes it), then {@code controlLength} control bytes, then the rec bytes, which run to
 * the end of the body (so an empty rec is an empty tail). Properties: {@value #SENDER} (int, the sender's id,
 * required, not negative), {@value #TARGET} (int, the target's id or -1 for a broadcast, required), and optionally
 * {@value #LSN_FILE} (int) with {@value #LSN_OFFSET} (long), the LSN given to {@code send}; they are left out for
 * {@link Lsn#ZERO}. A later format (for example one carrying an HMAC) will add properties, never change this body.
 */
public final class JmsMessageCodec {
    /** Int property: the sending site's id. */
    public static final String SENDER = "repdbSender";
    /** Int property: the target site's id, or {@link Transport#EID_BROADCAST}. */
    public static final String TARGET = "repdbTarget";
    /** Optional int property: the file part of the LSN given to {@code send}. */
    public static final String LSN_FILE = "repdbLsnFile";
    /** Optional long property: the offset part of the LSN given to {@code send}. */
    public static final String LSN_OFFSET = "repdbLsnOffset";
    /** The default largest body accepted in either direction (4 MiB). */
    public static final int DEFAULT_MAX_BODY_BYTES = 4 << 20;

    private static final int HEADER = Integer.BYTES;

    private final int maxBodyBytes;

    public JmsMessageCodec() {
        this(DEFAULT_MAX_BODY_BYTES);
    }

    /** @param maxBodyBytes the largest body encoded or decoded, header included */
    public JmsMessageCodec(int maxBodyBytes) {
        if (maxBodyBytes < HEADER) {
            throw new IllegalArgumentException("maxBodyBytes must be at least " + HEADER + ": " + maxBodyBytes);
        }
        this.maxBodyBytes = maxBodyBytes;
    }

    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** The body length a message with these parts has (may exceed {@link #maxBodyBytes()}). */
    public static long bodyLength(byte[] control, byte[] rec) {
        return (long) HEADER + control.length + rec.length;
    }

    /** A decoded repdb message. {@code lsn} is null when the message carried none. */
    public record Decoded(int sender, int target, byte[] control, byte[] rec, Lsn lsn) {
    }

    /** Creates a {@link BytesMessage} on {@code context} and {@linkplain #write writes} the message into it. */
    public BytesMessage encode(JMSContext context, int sender, int target, byte[] control, byte[] rec, Lsn lsn)
            throws JMSException {
        BytesMessage message = context.createBytesMessage();
        write(message, sender, target, control, rec, lsn);
        return message;
    }

    /** Writes properties and body into a fresh (writable, empty) {@code message}. */
    public void write(BytesMessage message, int sender, int target, byte[] control, byte[] rec, Lsn lsn)
            throws JMSException {
        if (sender < 0 || target < Transport.EID_BROADCAST) {
            throw new IllegalArgumentException("bad sender/target: " + sender + "/" + target);
        }
        long length = bodyLength(control, rec);
        if (length > maxBodyBytes) {
            throw new IllegalArgumentException("message body of " + length + " bytes exceeds " + maxBodyBytes);
        }
        message.setIntProperty(SENDER, sender);
        message.setIntProperty(TARGET, target);
        if (lsn != null && !lsn.isZero()) {
            message.setIntProperty(LSN_FILE, lsn.file());
            message.setLongProperty(LSN_OFFSET, lsn.offset());
        }
        message.writeInt(control.length);
        message.writeBytes(control);
        message.writeBytes(rec);
    }

    /**
     * Reads a repdb message out of {@code message}. Resets the body first, so it can be called more than once.
     *
     * @throws MalformedMessageException if it is not a well-formed repdb message; the reason holds no payload
     */
    public Decoded decode(Message message) throws MalformedMessageException {
        if (!(message instanceof BytesMessage bytes)) {
            throw new MalformedMessageException("not a BytesMessage: "
                    + (message == null ? "null" : message.getClass().getSimpleName()));
        }
        try {
            int sender = intProperty(bytes, SENDER);
            int target = intProperty(bytes, TARGET);
            if (sender < 0 || target < Transport.EID_BROADCAST) {
                throw new MalformedMessageException("bad sender/target: " + sender + "/" + target);
            }
            Lsn lsn = lsn(bytes);
            bytes.reset();
            long length = bytes.getBodyLength();
            if (length < HEADER) {
                throw new MalformedMessageException("truncated body: " + length + " bytes");
            }
            if (length > maxBodyBytes) {
                throw new MalformedMessageException("body of " + length + " bytes exceeds " + maxBodyBytes);
            }
            int controlLength = bytes.readInt();
            if (controlLength < 0 || controlLength > length - HEADER) {
                throw new MalformedMessageException("control length " + controlLength + " does not fit a body of "
                        + length + " bytes");
            }
            byte[] control = readFully(bytes, controlLength);
            byte[] rec = readFully(bytes, (int) (length - HEADER - controlLength));
            return new Decoded(sender, target, control, rec, lsn);
        } catch (JMSException | RuntimeException e) {
            throw new MalformedMessageException("unreadable message: " + e.getClass().getSimpleName(), e);
        }
    }

    private static int intProperty(Message message, String name) throws JMSException, MalformedMessageException {
        if (!message.propertyExists(name)) {
            throw new MalformedMessageException("missing property " + name);
        }
        return message.getIntProperty(name);
    }

    private static Lsn lsn(Message message) throws JMSException, MalformedMessageException {
        boolean file = message.propertyExists(LSN_FILE);
        boolean offset = message.propertyExists(LSN_OFFSET);
        if (file != offset) {
            throw new MalformedMessageException("only one of " + LSN_FILE + " and " + LSN_OFFSET);
        }
        if (!file) {
            return null;
        }
        try {
            return new Lsn(message.getIntProperty(LSN_FILE), message.getLongProperty(LSN_OFFSET));
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("bad LSN properties", e);
        }
    }

    private static byte[] readFully(BytesMessage message, int length) throws JMSException, MalformedMessageException {
        byte[] bytes = new byte[length];
        if (length > 0 && message.readBytes(bytes, length) != length) {
            throw new MalformedMessageException("body shorter than its declared length");
        }
        return bytes;
    }
}
