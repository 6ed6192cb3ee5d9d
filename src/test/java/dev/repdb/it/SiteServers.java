package dev.repdb.it;

import java.io.IOException;
import java.time.Duration;

/** Waiting on {@link SiteServer}s. */
final class SiteServers {
    private SiteServers() {
    }

    /** Waits until the site's status resource answers (the application and its site are up). */
    static void awaitStatus(SiteServer site, Duration timeout) throws IOException, InterruptedException {
        SiteClient client = new SiteClient(site);
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try {
                client.status();
                return;
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new IOException(site.describe() + ": the site's status did not answer within " + timeout
                + (last == null ? "" : " (" + last.getMessage() + ")") + "\n" + site.logTail(40), last);
    }
}
