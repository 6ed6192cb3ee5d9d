package dev.repdb.rep.auth;

import dev.repdb.RepdbException;

/**
 * A message carries no valid message authentication code under any accepted group secret. The replication API
 * reports it as {@code dev.repdb.rep.AuthenticationFailedException}, with the same text (which never holds a
 * secret or a MAC).
 */
public class AuthenticationFailedException extends RepdbException {
    public AuthenticationFailedException(String message) {
        super(message);
    }
}
