package dev.repdb;

/** Reaches package-private test hooks of {@code dev.repdb} from other test packages. */
public final class TestAccess {
    private TestAccess() {
    }

    /** Closes {@code env} without its final checkpoint, as a crash after the last log write would. */
    public static void crash(Environment env) {
        env.closeAbruptly();
    }
}
