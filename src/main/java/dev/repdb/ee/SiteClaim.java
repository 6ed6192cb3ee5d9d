package dev.repdb.ee;

/**
 * Makes sure one server runs at most one repdb site: its id, queue and selector come from server-wide variables, so a
 * second application bundling repdb would be a second site with the same identity. The claim is a JVM-wide system
 * property, visible across application class loaders.
 */
final class SiteClaim {
    private static final String PROPERTY = "dev.repdb.ee.site";
    private final String owner;

    private SiteClaim(String owner) {
        this.owner = owner;
    }

    static SiteClaim claim(int siteId) {
        String owner = "site " + siteId + " (" + SiteClaim.class.getClassLoader() + ")";
        Object previous = System.getProperties().putIfAbsent(PROPERTY, owner);
        if (previous != null) {
            throw new IllegalStateException("a repdb site already runs in this server: " + previous
                    + "; one server runs at most one repdb site, so only one application may bundle repdb");
        }
        return new SiteClaim(owner);
    }

    void release() {
        System.getProperties().remove(PROPERTY, owner);
    }
}
