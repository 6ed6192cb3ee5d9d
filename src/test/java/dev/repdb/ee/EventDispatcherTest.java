package dev.repdb.ee;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.repdb.jms.DaemonThreads;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;

class EventDispatcherTest {

    @Test
    void eachEventsSyncThenAsyncObserversRunBeforeTheNextEventAndFailuresDoNotStopIt() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        ExecutorService async = Executors.newFixedThreadPool(4);
        try {
            EventDispatcher dispatcher = new EventDispatcher(e -> {
                seen.add("sync " + e.sequence());
                if (e.sequence() == 2) {
                    throw new IllegalStateException("a broken observer");
                }
            }, e -> CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(5 * (10 - e.sequence())); // later events would overtake without the wait
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                seen.add("async " + e.sequence());
                if (e.sequence() == 3) {
                    throw new IllegalStateException("a broken async observer");
                }
            }, async), Duration.ofSeconds(10), new DaemonThreads("dispatch-test"));
            for (int i = 1; i <= 5; i++) {
                dispatcher.accept(new RepdbEvent.Elected(i, 1, i));
            }
            dispatcher.close(); // fires what is queued, then stops
            assertEquals(List.of("sync 1", "async 1", "sync 2", "async 2", "sync 3", "async 3", "sync 4", "async 4",
                    "sync 5", "async 5"), seen);
        } finally {
            async.shutdownNow();
        }
    }
}
