package dev.repdb;

/**
 * A transaction wrote a key that another transaction changed and committed after this one began (first committer
 * wins). Nothing of this transaction was committed; retry it.
 */
public class TransactionConflictException extends RepdbException {
    public TransactionConflictException(String message) {
        super(message);
    }
}
