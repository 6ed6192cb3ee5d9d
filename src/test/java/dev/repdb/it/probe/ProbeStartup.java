package dev.repdb.it.probe;

import jakarta.annotation.PostConstruct;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;

/** Shows that @Singleton @Startup runs with the server's feature set (enterpriseBeansLite). */
@Singleton
@Startup
public class ProbeStartup {
    @PostConstruct
    void started() {
        ProbeLog.startupRan = true;
    }
}
