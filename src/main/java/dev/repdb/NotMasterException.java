package dev.repdb;

import java.util.Arrays;
import java.util.OptionalInt;

/**
 * A write was attempted on a site that is not the master. Names the master, if one is known, and its cdata (in
 * the EE module, the master's public base URL), so the application can redirect.
 */
public class NotMasterException extends RepdbException {
    private final OptionalInt masterId;
    private final byte[] masterCdata;

    public NotMasterException(String message, OptionalInt masterId, byte[] masterCdata) {
        super(message);
        this.masterId = masterId;
        this.masterCdata = masterCdata == null ? new byte[0] : masterCdata.clone();
    }

    public OptionalInt masterId() {
        return masterId;
    }

    public byte[] masterCdata() {
        return Arrays.copyOf(masterCdata, masterCdata.length);
    }
}
