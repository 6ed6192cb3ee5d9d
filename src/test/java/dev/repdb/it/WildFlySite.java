package dev.repdb.it;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** {@link SiteServer} on WildFly: its own process, the site WAR in deployments/ (kept across restarts). */
final class WildFlySite implements SiteServer {
    private final WildFlyServer server;
    private final Path siteWar;
    private boolean deployed;

    WildFlySite(WildFlyServer server, Path siteWar) {
        this.server = server;
        this.siteWar = siteWar;
    }

    @Override
    public void start(Duration timeout) throws IOException, InterruptedException {
        server.start(timeout);
        if (!deployed) {
            server.deploy(siteWar, timeout);
            deployed = true;
        }
        SiteServers.awaitStatus(this, timeout);
    }

    @Override
    public void stop() throws InterruptedException {
        server.stop(Duration.ofSeconds(60));
    }

    @Override
    public void kill() throws InterruptedException {
        server.kill();
    }

    @Override
    public String appUrl() {
        return server.httpUrl() + "/repdb-site/";
    }

    @Override
    public String healthUrl() {
        return server.managementUrl() + "/health";
    }

    @Override
    public dev.repdb.Login adminLogin() {
        return server.adminLogin();
    }

    @Override
    public String describe() {
        return "WildFly server " + server.name();
    }

    @Override
    public String logTail(int lines) {
        return server.logTail(lines);
    }
}
