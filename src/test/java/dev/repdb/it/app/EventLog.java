package dev.repdb.it.app;

import dev.repdb.ee.RepdbEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Deployed with the integration tests: records every repdb event a synchronous and an asynchronous observer see. */
@ApplicationScoped
public class EventLog {
    private final List<RepdbEvent> sync = new CopyOnWriteArrayList<>();
    private final List<RepdbEvent> async = new CopyOnWriteArrayList<>();

    void onEvent(@Observes RepdbEvent event) {
        sync.add(event);
    }

    void onEventAsync(@ObservesAsync RepdbEvent event) {
        async.add(event);
    }

    public List<RepdbEvent> sync() {
        return List.copyOf(sync);
    }

    public List<RepdbEvent> async() {
        return List.copyOf(async);
    }
}
