package dev.repdb.store;

import dev.repdb.RepdbException;

/** The store file is not one this version of repdb can open. Nothing was changed. */
public class StoreFormatException extends RepdbException {
    public StoreFormatException(String message) {
        super(message);
    }

    public StoreFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
