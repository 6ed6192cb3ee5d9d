package dev.repdb.ee;

import dev.repdb.RepdbException;

/** A configuration value the site cannot use; the message names the key, the value and what is allowed. */
public final class SiteConfigException extends RepdbException {
    private static final long serialVersionUID = 1L;

    public SiteConfigException(String key, String value, String allowed) {
        super(value == null ? "repdb configuration: " + key + " is required (" + allowed + ")"
                : "repdb configuration: " + key + " = '" + value + "' is not allowed (allowed: " + allowed + ")");
    }

    public SiteConfigException(String message) {
        super("repdb configuration: " + message);
    }
}
