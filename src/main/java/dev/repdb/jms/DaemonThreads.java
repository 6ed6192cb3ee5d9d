package dev.repdb.jms;

import java.util.concurrent.ThreadFactory;

/**
 * A {@link ThreadFactory} of named daemon threads, for Java SE use. In a container pass the container's managed
 * thread factory instead.
 */
public final class DaemonThreads implements ThreadFactory {
    private final String name;

    public DaemonThreads(String name) {
        this.name = name;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
