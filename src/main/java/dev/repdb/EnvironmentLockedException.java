package dev.repdb;

/** Another process or deployment has the environment's home open. */
public class EnvironmentLockedException extends RepdbException {
    public EnvironmentLockedException(String message) {
        super(message);
    }
}
