package dev.repdb;

/**
 * The home directory is not a repdb environment this version can open (not a repdb home, a newer format, an
 * unreadable or damaged file). Nothing in the home was changed.
 */
public class EnvironmentFormatException extends RepdbException {
    public EnvironmentFormatException(String message) {
        super(message);
    }

    public EnvironmentFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
