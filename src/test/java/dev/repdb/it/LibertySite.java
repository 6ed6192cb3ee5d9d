package dev.repdb.it;

import java.io.IOException;
import java.time.Duration;

/** {@link SiteServer} on Open Liberty: {@code bin/server start|stop}, the site app at {@code /repdb-site/}. */
final class LibertySite implements SiteServer {
    private final LibertyServer server;
    private final dev.repdb.Login admin;

    LibertySite(LibertyServer server, dev.repdb.Login admin) {
        this.server = server;
        this.admin = admin;
    }

    @Override
    public void start(Duration timeout) throws IOException, InterruptedException {
        server.start(timeout);
        SiteServers.awaitStatus(this, timeout);
    }

    @Override
    public void stop() throws IOException, InterruptedException {
        server.stop();
    }

    @Override
    public void kill() throws IOException, InterruptedException {
        server.kill();
    }

    @Override
    public String appUrl() {
        return "http://localhost:" + server.httpPort() + "/repdb-site/";
    }

    @Override
    public String healthUrl() {
        return "http://localhost:" + server.httpPort() + "/health";
    }

    @Override
    public dev.repdb.Login adminLogin() {
        return admin;
    }

    @Override
    public String describe() {
        return "Open Liberty server " + server.name();
    }

    @Override
    public String logTail(int lines) {
        return server.logTail(lines);
    }
}
